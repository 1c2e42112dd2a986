import { Worker } from 'node:worker_threads';
import { CommandError, setRunner } from './exec.js';
import type { Output, RunOptions } from './exec.js';
import type { ExecReply, ExecRequest } from './exec-messages.js';
import { setWarmMaker } from './warm.js';
import type { Warm, WarmOptions } from './warm.js';

/**
 * The main thread's handle on the exec thread (exec-worker.ts). Once installed, run() and
 * warmCommand() of this thread send their commands there, so that no fork ever stops the VRRP
 * loop; the callers do not change.
 */
export class ExecThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private next = 1;
  private stopping = false;

  constructor(onCrash: (err: Error) => void) {
    this.worker = new Worker(new URL('./exec-worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 1 } });
    this.worker.on('message', (reply: ExecReply) => this.receive(reply));
    this.worker.on('error', (err) => this.crashed(err, onCrash));
    this.worker.on('exit', (code) => {
      if (!this.stopping) this.crashed(new Error(`the exec thread exited (code ${code})`), onCrash);
    });
  }

  /** From now on, this thread's commands run on the exec thread. */
  install(): this {
    setRunner((file, args, options) => this.run(file, args, options));
    setWarmMaker((argv, options) => this.warm(argv, options));
    return this;
  }

  private receive(reply: ExecReply): void {
    const waiter = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (!waiter) return;
    if (reply.ok) return waiter.resolve(reply.value);
    const c = reply.error.command;
    waiter.reject(c ? new CommandError(c.argv, c.exitCode, c.stderr, c.timedOut) : new Error(reply.error.message));
  }

  private crashed(err: Error, onCrash: (err: Error) => void): void {
    for (const w of this.pending.values()) w.reject(new Error(`the exec thread failed: ${err.message}`));
    this.pending.clear();
    onCrash(err);
  }

  private send(req: ExecRequest): void {
    this.worker.postMessage(req);
  }

  /** Sends a request answered once; the signal, if any, aborts it there. */
  private ask<T>(make: (id: number) => ExecRequest, signal?: AbortSignal): Promise<T> {
    const id = this.next++;
    const abort = () => this.send({ op: 'abort', id });
    signal?.addEventListener('abort', abort, { once: true });
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.send(make(id));
      if (signal?.aborted) abort();
    }).finally(() => signal?.removeEventListener('abort', abort));
  }

  run(file: string, args: string[], options: RunOptions): Promise<Output> {
    const { signal, ...rest } = options;
    return this.ask<Output>((id) => ({ op: 'run', id, file, args, options: rest }), signal);
  }

  warm(argv: [string, ...string[]], options: WarmOptions): Warm {
    const handle = this.next++;
    this.send({ op: 'warm', handle, argv, options });
    let closed = false;
    return {
      arm: () => {
        if (!closed) this.send({ op: 'arm', handle });
      },
      fire: (input = '', signal?: AbortSignal) => (closed ? Promise.reject(new Error(`${argv[0]}: closed`)) : this.ask<string>((id) => ({ op: 'fire', id, handle, input }), signal)),
      close: () => {
        closed = true;
        this.send({ op: 'close', handle });
      },
    };
  }

  /** Ends the thread once nothing is left to run (after the director has stopped). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
  }
}
