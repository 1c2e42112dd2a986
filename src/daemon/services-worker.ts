/*
 * The services thread: health checks, drains, quorum and the IPVS table, and the reading of
 * config files for reloads, on an event loop of their own. The daemon's main thread keeps VRRP
 * (adverts, timers, the state machine, VIPs and gratuitous ARP) and asks this one for work by
 * message (WorkerServicesSide), so no check, ipvsadm run or parse of a large file can delay an
 * advert.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../clock.js';
import { changesInServices } from '../config/diff.js';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import { serviceName } from '../config/service-name.js';
import { NetlinkIpvsDriver } from '../ipvs/netlink-driver.js';
import { kernelForwards } from '../net/forwarding.js';
import { IptablesFullNat } from '../net/fullnat.js';
import { HaproxyProxy } from '../proxy/haproxy.js';
import { SmtpAlerts } from '../observe/alerts.js';
import { createLogger } from '../observe/log.js';
import { HookRunner } from './hooks.js';
import { withoutRealServers } from './services-messages.js';
import type { Quorum, ServicesReply, ServicesRequest, ServicesWorkerData } from './services-messages.js';
import { LocalServicesSide } from './services-side.js';
import { StateDir } from './state-dir.js';

const data = workerData as ServicesWorkerData;
const port = parentPort;
if (!port) throw new Error('services-worker.js runs as a worker thread of tandem run');

const log = createLogger(data.logLevel, data.logFormat).child({ thread: 'services' });
/** The config the services run (whole): its services are the quorum map's and a reload's base. */
let running: Config | undefined;
/** The whole of the file a reload read last: the one its 'reconfigure' applies. */
let candidate: Config | undefined;
const post = (reply: ServicesReply) => port.postMessage(reply);

const side = new LocalServicesSide({
  log,
  clock: systemClock,
  store: new StateDir(data.stateDir),
  ipvs: new NetlinkIpvsDriver({ log: log.child({ component: 'ipvs' }) }),
  fullnat: new IptablesFullNat(),
  proxy: new HaproxyProxy({ dir: data.stateDir, log: log.child({ component: 'proxy' }) }),
  forwarding: kernelForwards,
  hooks: new HookRunner(),
  alerts: new SmtpAlerts(),
  dryRun: data.dryRun,
  onQuorum: () => post({ id: null, quorum: quorum() }),
});

function quorum(): Quorum {
  const q: Quorum = {};
  for (const vs of running?.virtual_services ?? []) {
    const name = serviceName(vs);
    q[name] = side.hasQuorum(name);
  }
  return q;
}

const ops: Record<ServicesRequest['op'], (...args: never[]) => Promise<unknown>> = {
  start: async (c: Config) => side.start((running = c)),
  // After a reload the main thread sends the config without real servers: the whole one is the
  // candidate its load kept. (A first reconfigure starts what start would.)
  reconfigure: async (c: Config) => {
    const whole = candidate ?? c;
    candidate = undefined;
    await side.reconfigure((running = whole));
  },
  setOptions: (c: Config) => side.setOptions(c),
  setTimeouts: (c: Config) => side.setTimeouts(c),
  drain: (server: string, drained: boolean) => side.drain(server, drained),
  // Answered as UTF-8 bytes, which the main thread passes on unparsed (see raw-json.ts).
  reconcile: () => side.reconcile(),
  status: () => side.status(),
  metrics: () => side.metrics(),
  stopChecks: () => side.stopChecks(),
  stop: () => side.stop(),
  // A reload's file is read, parsed, validated and compared here; the main thread gets the
  // config without its real servers, and the changes in words. The key travels as bytes.
  // The YAML parser and the validator are loaded at the first reload: a director never reloaded
  // does not keep them in this thread (README, "Footprint").
  load: async (file: string) => {
    const { loadConfig } = await import('../config/load.js');
    const loaded = await loadConfig(file);
    candidate = loaded.config;
    return { ...loaded, config: withoutRealServers(loaded.config), serviceChanges: changesInServices(running?.virtual_services ?? [], loaded.config.virtual_services) };
  },
};

/** Bytes with a buffer of their own (status, metrics: utf8()) are moved to the main thread, not copied. */
function movable(value: unknown): ArrayBuffer[] {
  return value instanceof Uint8Array && value.buffer instanceof ArrayBuffer && value.byteLength === value.buffer.byteLength ? [value.buffer] : [];
}

port.on('message', (req: ServicesRequest) => {
  const run = ops[req.op] as (...args: unknown[]) => Promise<unknown>;
  run(...req.args).then(
    (value) => port.postMessage({ id: req.id, ok: true, value, quorum: quorum() } satisfies ServicesReply, movable(value)),
    (err: Error) => post({ id: req.id, ok: false, error: { message: err.message, ...(err instanceof ConfigError ? { issues: err.issues } : {}) }, quorum: quorum() }),
  );
});
