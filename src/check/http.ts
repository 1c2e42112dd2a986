import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { HttpExpectation } from './http-expect.js';
import { judgeResponse } from './http-expect.js';
import type { CheckOutcome, CheckTarget } from './types.js';
import { errorText } from './types.js';

export interface HttpCheckOptions {
  tls: boolean;
  method: 'GET' | 'HEAD';
  path: string;
  /** Host header; the address checked when unset. */
  host?: string;
  /** TLS: server name sent (SNI), and checked when verifying. */
  servername?: string;
  verify: boolean;
  /** TLS: extra trusted CA certificates (PEM). */
  ca?: string;
  expect: HttpExpectation;
}

/**
 * Shared agents without keep-alive or TLS session reuse: every check opens a fresh connection
 * (a check should see what a new client sees), without an agent object made per request.
 */
const httpAgent = new http.Agent({ keepAlive: false });
const httpsAgent = new https.Agent({ keepAlive: false, maxCachedSessions: 0 });

/**
 * Several requests in turn (Keepalived's `url` blocks), each on a fresh connection: the first
 * that fails is the outcome, named by its path.
 */
export async function checkHttpUrls(target: CheckTarget, requests: HttpCheckOptions[], signal: AbortSignal): Promise<CheckOutcome> {
  let last: CheckOutcome = { ok: false, message: 'no request to make' };
  for (const opts of requests) {
    last = await checkHttp(target, opts, signal);
    if (!last.ok) return requests.length > 1 ? { ...last, message: `${opts.path}: ${last.message}` } : last;
  }
  return requests.length > 1 ? { ...last, message: `${requests.length} urls as expected` } : last;
}

/** Regular expressions look at the first MiB of a body; the digest covers all of it. */
const BODY_CAP = 1 << 20;

/**
 * HTTP and HTTPS: one request on a fresh connection (no keep-alive, as a health check should
 * see what a new client sees). The runner's signal bounds the whole exchange, so a server that
 * trickles its body cannot outlive the timeout.
 */
export function checkHttp(target: CheckTarget, opts: HttpCheckOptions, signal: AbortSignal): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: CheckOutcome) => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve(outcome);
    };
    const bracketed = target.address.includes(':') ? `[${target.address}]` : target.address;
    const host = opts.host ?? (target.port === (opts.tls ? 443 : 80) ? bracketed : `${bracketed}:${target.port}`);
    // SNI carries names only (RFC 6066): an address is not sent.
    const servername = opts.servername ?? (opts.host && net.isIP(opts.host) === 0 ? opts.host : undefined);
    const common = {
      host: target.address,
      port: target.port,
      localAddress: target.source,
      method: opts.method,
      path: opts.path,
      signal,
      headers: { Host: host, 'User-Agent': 'tandem-check', Connection: 'close' },
    };
    const req = opts.tls
      ? https.request({ ...common, agent: httpsAgent, servername, rejectUnauthorized: opts.verify, ca: opts.ca })
      : http.request({ ...common, agent: httpAgent });
    req.once('error', (err) => done({ ok: false, message: signal.aborted ? 'no complete response before the timeout' : errorText(err) }));
    req.once('response', (res) => {
      const hash = opts.expect.digest ? createHash(opts.expect.digest.algorithm) : undefined;
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      res.on('data', (chunk: Buffer) => {
        hash?.update(chunk);
        if (kept < BODY_CAP) {
          chunks.push(chunk.subarray(0, BODY_CAP - kept));
          kept += Math.min(chunk.length, BODY_CAP - kept);
        } else {
          truncated = true;
        }
      });
      res.once('error', (err) => done({ ok: false, message: signal.aborted ? 'body not complete before the timeout' : errorText(err) }));
      res.once('end', () => {
        done(judgeResponse({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), digest: hash?.digest('hex'), truncated }, opts.expect));
      });
    });
    req.end();
  });
}
