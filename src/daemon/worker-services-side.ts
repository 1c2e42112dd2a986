import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { wantsIpvs } from './ipvs-side.js';
import { utf8 } from './raw-json.js';
import type { Quorum, ServicesOp, ServicesReply, ServicesWorkerData } from './services-messages.js';
import type { ServicesSide, ServicesSnapshot } from './services-side.js';

const EMPTY: ServicesSnapshot = { services: [], ipvs: null, proxy: null };
const NOTHING = new Uint8Array(0);
/** How long status waits for the services thread (busy with a large reload, it answers late). */
const STATUS_WAIT_MS = 1000;

/**
 * The daemon's handle on the services thread (services-worker.ts): each call is a message,
 * answered with the result and every service's quorum, kept here so that the instances'
 * tracking reads it without waiting (a change of quorum is also sent unasked). Status, IPVS
 * figures and metrics come back as UTF-8 bytes, passed on unparsed. The thread starts with the
 * first config that has virtual services (or IPVS settings), or the first reload: a pair that
 * only moves VIPs and is never reloaded does not pay for it.
 */
export class WorkerServicesSide implements ServicesSide {
  private worker?: Worker;
  private quorum: Quorum = {};
  private last = utf8(JSON.stringify(EMPTY));
  private fetching?: Promise<void>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void; op: ServicesOp }>();
  private stopping = false;

  constructor(
    private readonly data: ServicesWorkerData,
    private readonly deps: { log: Logger; onQuorum: () => void; onCrash: (err: Error) => void },
  ) {}

  get running(): boolean {
    return this.worker !== undefined;
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./services-worker.js', import.meta.url), {
      workerData: this.data,
      // Young garbage dies young here too (see bin/tandem.js).
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    worker.on('message', (reply: ServicesReply) => this.receive(reply));
    worker.on('error', (err) => this.crashed(err));
    worker.on('exit', (code) => {
      if (!this.stopping) this.crashed(new Error(`the services thread exited (code ${code})`));
    });
    return worker;
  }

  private receive(reply: ServicesReply): void {
    this.quorum = reply.quorum;
    if (reply.id === null) return this.deps.onQuorum();
    const waiter = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (!waiter) return;
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(reply.error.issues ? new ConfigError(reply.error.issues) : new Error(reply.error.message));
  }

  private crashed(err: Error): void {
    for (const w of this.pending.values()) w.reject(new Error(`${w.op}: the services thread failed: ${err.message}`));
    this.pending.clear();
    this.worker = undefined;
    this.deps.onCrash(err);
  }

  private call<T>(op: ServicesOp, ...args: unknown[]): Promise<T> {
    this.worker ??= this.spawn();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, op });
      this.worker?.postMessage({ id, op, args });
    });
  }

  async start(config: Config): Promise<void> {
    if (wantsIpvs(config)) await this.call('start', config);
  }

  async reconfigure(config: Config): Promise<void> {
    if (this.worker || wantsIpvs(config)) await this.call('reconfigure', config);
  }

  async setOptions(config: Config): Promise<void> {
    if (this.worker) await this.call('setOptions', config);
  }

  async setTimeouts(config: Config): Promise<void> {
    if (this.worker || wantsIpvs(config)) await this.call('setTimeouts', config);
  }

  hasQuorum(service: string): boolean {
    return this.quorum[service] ?? true;
  }

  drain(server: string, drained: boolean): Promise<string[]> {
    if (!this.worker) return Promise.reject(new Error('no virtual_services in the config'));
    return this.call('drain', server, drained);
  }

  reconcile(): Promise<Uint8Array> {
    if (!this.worker) return Promise.reject(new Error('no virtual_services in the config'));
    return this.call('reconcile');
  }

  /**
   * A fresh status from the thread, or the last one if it takes longer than STATUS_WAIT_MS:
   * status must not hang on a thread busy with a large reload.
   */
  async status(): Promise<Uint8Array> {
    if (!this.worker) return this.last;
    // One request at a time: status asked often while the thread is busy must not pile up.
    const fresh = (this.fetching ??= this.call<Uint8Array>('status')
      .then((bytes) => void (this.last = bytes))
      .catch((err: Error) => this.deps.log.warn({ err: err.message }, `status: the services thread did not answer: ${err.message}`))
      .finally(() => (this.fetching = undefined)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([fresh, new Promise((resolve) => (timer = setTimeout(resolve, STATUS_WAIT_MS)))]).finally(() => clearTimeout(timer));
    return this.last;
  }

  async metrics(): Promise<Uint8Array> {
    return this.worker ? this.call('metrics') : NOTHING;
  }

  /**
   * Reads a reloaded config file on the services thread (started now if need be): a large file
   * parses for a while, and the first with services would otherwise be read here.
   */
  async load(file: string): Promise<LoadedConfig> {
    const loaded = await this.call<LoadedConfig>('load', file);
    // The key crossed the thread boundary as plain bytes.
    if (loaded.auth.type === 'hmac-sha256') {
      const { key, accepted, ids } = loaded.auth;
      loaded.auth = { type: 'hmac-sha256', key: Buffer.from(key), ...(accepted ? { accepted: accepted.map((k) => Buffer.from(k)) } : {}), ...(ids ? { ids } : {}) };
    }
    return loaded;
  }

  async stopChecks(): Promise<void> {
    if (this.worker) await this.call('stopChecks');
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await this.call('stop');
    this.stopping = true;
    await worker.terminate();
    this.worker = undefined;
  }
}
