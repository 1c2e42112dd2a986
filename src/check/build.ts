import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { CheckConfig, Config, RealServerConfig, VirtualServiceConfig } from '../config/schema.js';
import { serviceName } from '../config/service-name.js';
import { checksOf } from '../config/checks-of.js';
import { lookupUser } from '../net/users.js';
import { fileChecker } from './file.js';
import { checkHttpUrls } from './http.js';
import { parseDigest, parseStatusList } from './http-expect.js';
import type { Timing } from './schedule.js';
import { checkScript } from './script.js';
import { checkTcp } from './tcp.js';
import { checkDns } from './dns.js';
import { checkPing } from './ping.js';
import { checkSmtp } from './smtp.js';
import { checkUdp } from './udp.js';
import type { Checker, CheckTarget } from './types.js';

/** Everything needed to run one real server's check, resolved from the config. */
export interface CheckSpec {
  /** `SERVICE ADDRESS:PORT`: unique across the config. */
  id: string;
  service: string;
  server: string;
  type: CheckConfig['type'];
  timing: Timing;
  rise: number;
  fall: number;
  initially: 'up' | 'down';
  /** Equal fingerprints: the same check (a reload keeps its runner and health). */
  fingerprint: string;
  config: CheckConfig;
  target: CheckTarget;
  realServer: RealServerConfig;
  /** A file check's file (from the config's `files`) and multiplier. */
  file?: { path: string; multiplier: number };
}

export function serverLabel(rs: { address: string; port: number }): string {
  return rs.address.includes(':') ? `[${rs.address}]:${rs.port}` : `${rs.address}:${rs.port}`;
}

/** The id of a real server's `k`th check (from 0): the first is `SERVICE SERVER`, the others `... #2` and on. */
export function checkId(service: string, server: string, k = 0): string {
  return `${service} ${server}${k ? ` #${k + 1}` : ''}`;
}

/** The checks a config asks for: each real server's checks, its own or its service's. */
export function checkSpecs(services: VirtualServiceConfig[], files: Config['files'] = {}): CheckSpec[] {
  return services.flatMap((vs) =>
    vs.real_servers.flatMap((rs) =>
      checksOf(vs, rs).map((check, k) => {
        const service = serviceName(vs);
        const server = serverLabel(rs);
        const target: CheckTarget = { address: check.connect_address ?? rs.address, port: check.connect_port ?? rs.port, source: check.source_address };
        const tracked = check.file !== undefined ? files[check.file] : undefined;
        const file = tracked && { path: tracked.path, multiplier: check.file_weight ?? tracked.weight };
        return {
          id: checkId(service, server, k),
          service,
          server,
          type: check.type,
          timing: {
            intervalMs: check.interval * 1000,
            // With several urls, the timeout is each request's, as Keepalived's connect_timeout.
            timeoutMs: check.timeout * 1000 * (check.urls?.length ?? 1),
            retryDelayMs: (check.retry_delay ?? check.interval) * 1000,
            warmupMs: check.warmup * 1000,
          },
          rise: check.rise,
          fall: check.fall,
          initially: check.initially,
          fingerprint: JSON.stringify([check, target, rs.address, rs.port, ...(file ? [rs.weight, file] : [])]),
          config: check,
          target,
          realServer: rs,
          file,
        };
      }),
    ),
  );
}

/**
 * Makes the checker of a spec. Files (password, CA) and the script's user are read here, once;
 * when one cannot be, the checker fails every time and says why, rather than stopping the daemon.
 */
export async function buildChecker(spec: CheckSpec, env: NodeJS.ProcessEnv = process.env): Promise<Checker> {
  const c = spec.config;
  const target = spec.target;
  const timeoutMs = spec.timing.timeoutMs;
  try {
    switch (c.type) {
      case 'tcp':
        return (signal) => checkTcp(target, signal);
      case 'http':
      case 'https': {
        const common = {
          tls: c.type === 'https',
          method: c.method ?? 'GET',
          servername: c.sni,
          verify: c.verify_tls ?? true,
          ca: c.ca_file ? await readFile(c.ca_file, 'utf8').catch((err: Error) => fail(`cannot read ca_file ${c.ca_file}: ${err.message}`)) : undefined,
        } as const;
        const requests = (c.urls ?? [c]).map((u) => ({
          ...common,
          path: u.path ?? '/',
          host: u.host ?? c.host,
          expect: {
            status: parseStatusList(u.status),
            bodyMatch: u.body_match ? new RegExp(u.body_match) : undefined,
            bodyNotMatch: u.body_not_match ? new RegExp(u.body_not_match) : undefined,
            digest: parseDigest(u.digest),
          },
        }));
        return (signal) => checkHttpUrls(target, requests, signal);
      }
      case 'mysql': {
        const password = await mysqlPassword(c, env);
        const opts = {
          user: c.user as string,
          password,
          database: c.database,
          query: c.query ?? 'SELECT 1',
          maxReplicationLag: c.max_replication_lag,
          readOnly: c.read_only,
          timeoutMs,
        };
        // mysql2 costs ~18 MB of memory: loaded only when a MySQL check exists.
        const { checkMysql } = await import('./mysql.js');
        return (signal) => checkMysql(target, opts, signal);
      }
      case 'script': {
        const user = c.user ? await lookupUser(c.user) : undefined;
        const opts = {
          argv: c.command as [string, ...string[]],
          env: { TANDEM_RS_ADDRESS: spec.realServer.address, TANDEM_RS_PORT: String(spec.realServer.port), TANDEM_SERVICE: spec.service },
          user,
          dynamic: c.dynamic ?? false,
          timeoutMs,
        };
        return (signal) => checkScript(opts, signal);
      }
      case 'udp': {
        // Without require_reply, silence until just before the timeout counts as up.
        const opts = { payload: Buffer.from(c.payload ?? '', 'hex'), requireReply: c.require_reply ?? false, quietMs: Math.max(10, timeoutMs * 0.9) };
        return (signal) => checkUdp(target, opts, signal);
      }
      case 'ping':
        return (signal) => checkPing(target, timeoutMs, signal);
      case 'dns': {
        const opts = { name: c.query_name ?? '.', type: c.query_type ?? 'SOA', timeoutMs };
        return (signal) => checkDns(target, opts, signal);
      }
      case 'smtp': {
        const helo = c.helo ?? os.hostname();
        return (signal) => checkSmtp(target, helo, signal);
      }
      case 'file': {
        const file = spec.file ?? fail(`no file named "${c.file}" in files`);
        return fileChecker({ path: file.path, multiplier: file.multiplier, baseWeight: spec.realServer.weight });
      }
    }
  } catch (err) {
    const message = (err as Error).message;
    return () => Promise.resolve({ ok: false, message });
  }
}

function fail(message: string): never {
  throw new Error(message);
}

async function mysqlPassword(c: CheckConfig, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (c.password_file) {
    const text = await readFile(c.password_file, 'utf8').catch((err: Error) => fail(`cannot read password_file ${c.password_file}: ${err.message}`));
    return text.replace(/[\r\n]+$/, '');
  }
  if (c.password_env) {
    const value = env[c.password_env];
    if (value === undefined) fail(`environment variable ${c.password_env} (password_env) is not set`);
    return value;
  }
  return undefined;
}
