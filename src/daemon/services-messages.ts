import type { ConfigIssue } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import type { LogFormat } from '../observe/log.js';

/** What the services thread is started with. */
export interface ServicesWorkerData {
  stateDir: string;
  dryRun: boolean;
  logLevel: string;
  logFormat: LogFormat;
}

/** The operations the daemon asks of the services thread; each is answered once. */
export type ServicesOp = 'start' | 'reconfigure' | 'setOptions' | 'setTimeouts' | 'drain' | 'reconcile' | 'status' | 'metrics' | 'stopChecks' | 'stop' | 'load';

export interface ServicesRequest {
  id: number;
  op: ServicesOp;
  args: unknown[];
}

/** Each service's quorum (false: known to lack it), which the instances' tracking reads. */
export type Quorum = Record<string, boolean>;

export type ServicesReply =
  | { id: number; ok: true; value: unknown; quorum: Quorum }
  | { id: number; ok: false; error: { message: string; issues?: ConfigIssue[] }; quorum: Quorum }
  /** Sent unasked, at once: a service won or lost its quorum. */
  | { id: null; quorum: Quorum };

/**
 * A config as the daemon's main thread keeps it when the services thread runs: every virtual
 * service, without its real servers. Passing tens of thousands of them between the threads on
 * every reload would cost the VRRP loop what the thread is there to spare it.
 */
export function withoutRealServers(config: Config): Config {
  return { ...config, virtual_services: config.virtual_services.map((vs) => ({ ...vs, real_servers: [] })) };
}
