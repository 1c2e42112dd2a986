import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { DaemonCoreStatus } from '../daemon/daemon.js';

const STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT'] as const;

/** Prometheus' text format, as prom-client writes it. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

type Values<S> = (s: S) => [Record<string, string>, number][];

/**
 * A metric whose values are read from the daemon's status at scrape time: a gauge as is, a
 * counter from the daemon's own running totals (zero totals are left out, as prom-client does).
 */
type Definition<S> = [registry: Registry, name: string, help: string, labelNames: string[], values: Values<S>, read: () => S];

function define<S>(kind: 'gauge' | 'counter', ...[registry, name, help, labelNames, values, read]: Definition<S>): void {
  const Metric = kind === 'gauge' ? Gauge : Counter;
  new Metric({
    name,
    help,
    labelNames,
    registers: [registry],
    collect(this: Gauge | Counter) {
      this.reset();
      for (const [labels, value] of values(read())) {
        if (this instanceof Gauge) this.set(labels, value);
        else if (value > 0) this.inc(labels, value);
      }
    },
  });
}

export const gauge = <S>(...args: Definition<S>) => define('gauge', ...args);
export const total = <S>(...args: Definition<S>) => define('counter', ...args);

/**
 * The Prometheus registry of VRRP, reloads and the process: every metric is read from the
 * daemon's status at scrape time, so the metrics cannot disagree with `tandem status`. Node's
 * own (event-loop lag, memory, CPU) come from prom-client's default collectors, prefixed
 * `tandem_`. The services' metrics are the services side's (services-metrics.ts).
 */
export function createRegistry(read: () => DaemonCoreStatus): Registry {
  const r = new Registry();
  collectDefaultMetrics({ register: r, prefix: 'tandem_' });
  const inst = (s: DaemonCoreStatus) => s.instances;
  gauge(r, 'tandem_instance_state', 'VRRP state of an instance: 1 for the state it is in.', ['instance', 'state'], (s) => inst(s).flatMap((i) => STATES.map((st) => [{ instance: i.name, state: st }, i.state === st ? 1 : 0] as [Record<string, string>, number])), read);
  gauge(r, 'tandem_instance_priority', 'Effective priority of an instance (tracking weights applied).', ['instance'], (s) => inst(s).map((i) => [{ instance: i.name }, i.priority]), read);
  total(r, 'tandem_instance_transitions_total', 'State transitions of an instance.', ['instance'], (s) => inst(s).map((i) => [{ instance: i.name }, i.transitions]), read);
  total(r, 'tandem_master_changes_total', 'Times the master of an instance changed, as seen from this director.', ['instance'], (s) => inst(s).map((i) => [{ instance: i.name }, i.masterChanges]), read);
  gauge(r, 'tandem_advert_loss_ratio', "Share of the master's adverts measured lost on the way to this director (moving average).", ['instance'], (s) => inst(s).map((i) => [{ instance: i.name }, i.advertLoss]), read);
  gauge(r, 'tandem_master_down_seconds', 'How long this backup waits out a silent master now (longer while adverts are lost).', ['instance'], (s) => inst(s).map((i) => [{ instance: i.name }, i.masterDownMs / 1000]), read);
  total(r, 'tandem_repairs_total', 'Things tandem owns on the host that something outside it removed, and tandem put back, by kind.', ['instance', 'kind'], (s) => inst(s).map((i) => [{ instance: i.name, kind: 'vip' }, i.vipRepairs]), read);
  gauge(r, 'tandem_vips_missing', "A MASTER's VIPs the kernel lacks and that could not be put back (0 when all are held).", ['instance'], (s) => inst(s).map((i) => [{ instance: i.name }, i.vipsMissing.length]), read);
  total(r, 'tandem_adverts_sent_total', 'Adverts sent by an instance.', ['instance'], (s) => inst(s).map((i) => [{ instance: i.name }, i.advertsSent]), read);
  total(r, 'tandem_adverts_received_total', 'Adverts received and accepted.', [], (s) => [[{}, s.adverts.received]], read);
  total(r, 'tandem_adverts_rejected_total', 'Adverts dropped, by reason (authentication, replay, unknown vrid, malformed...).', ['reason'], (s) => Object.entries(s.adverts.rejected).map(([reason, n]) => [{ reason }, n]), read);
  total(r, 'tandem_reloads_total', 'Config reloads, by result.', ['result'], (s) => [[{ result: 'ok' }, s.reload.ok], [{ result: 'refused' }, s.reload.failed]], read);
  gauge(r, 'tandem_event_loop_delay_p99_seconds', 'Event-loop delay p99 over the last 10 s window.', [], (s) => [[{}, (s.process.eventLoopDelayMs?.p99 ?? 0) / 1000]], read);
  return r;
}

/** Serves GET /metrics, written in the pieces `render` gives. A port already taken is logged by the caller, never fatal. */
export async function serveMetrics(render: () => Promise<(string | Uint8Array)[]>, address: string, port: number): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end('see /metrics\n');
    render().then(
      (pieces) => {
        res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
        for (const piece of pieces) res.write(piece);
        res.end();
      },
      (err: Error) => res.writeHead(500).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
