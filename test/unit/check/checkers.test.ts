import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHttp, checkHttpUrls } from '../../../src/check/http.js';
import type { HttpCheckOptions } from '../../../src/check/http.js';
import { DEFAULT_STATUS, parseDigest } from '../../../src/check/http-expect.js';
import { checkScript } from '../../../src/check/script.js';
import { checkTcp } from '../../../src/check/tcp.js';
import { run } from '../../support/programs.js';

// Real listeners on loopback, port 0: the checkers against the real thing.

const BODY = 'tandem ok\n';
let dir: string;
let plain: http.Server;
let secure: https.Server;
const seen: { host?: string; method?: string; from?: string }[] = [];

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push({ host: req.headers.host, method: req.method, from: req.socket.remoteAddress });
  if (req.url === '/fail') return void res.writeHead(500).end('oops');
  if (req.url === '/maintenance') return void res.writeHead(200).end('MAINTENANCE in progress');
  if (req.url === '/trickle') {
    res.writeHead(200);
    const timer = setInterval(() => res.write('.'), 50);
    res.on('close', () => clearInterval(timer));
    return;
  }
  if (req.url === '/hang') return;
  res.writeHead(200, { 'content-type': 'text/plain' }).end(BODY);
}

const listen = (server: net.Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
let httpPort: number;
let httpsPort: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-check-'));
  // A CA and a server certificate for "rs1.example", made with openssl (scripts/test installs it).
  const key = (name: string) => path.join(dir, name);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=tandem test CA', '-keyout', key('ca.key'), '-out', key('ca.pem')]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=rs1.example', '-keyout', key('rs.key'), '-out', key('rs.csr')]);
  writeFileSync(key('ext'), 'subjectAltName=DNS:rs1.example\n');
  await run('openssl', ['x509', '-req', '-in', key('rs.csr'), '-CA', key('ca.pem'), '-CAkey', key('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', key('ext'), '-out', key('rs.pem')]);
  plain = http.createServer(handler);
  secure = https.createServer({ key: readFileSync(key('rs.key')), cert: readFileSync(key('rs.pem')) }, handler);
  httpPort = await listen(plain);
  httpsPort = await listen(secure);
}, 60_000);

afterAll(() => {
  plain?.closeAllConnections();
  plain?.close();
  secure?.closeAllConnections();
  secure?.close();
  rmSync(dir, { recursive: true, force: true });
});

const opts = (over: Partial<HttpCheckOptions> = {}): HttpCheckOptions => ({ tls: false, method: 'GET', path: '/', verify: true, expect: { status: DEFAULT_STATUS }, ...over });
const get = (o: Partial<HttpCheckOptions>, timeoutMs = 2000, port = o.tls ? httpsPort : httpPort) => checkHttp({ address: '127.0.0.1', port }, opts(o), AbortSignal.timeout(timeoutMs));

describe('tcp checker', () => {
  it('is up when the port accepts and down when it refuses', async () => {
    expect(await checkTcp({ address: '127.0.0.1', port: httpPort }, AbortSignal.timeout(1000))).toEqual({ ok: true, message: 'connected' });
    const closed = net.createServer();
    const port = await listen(closed);
    closed.close();
    const down = await checkTcp({ address: '127.0.0.1', port }, AbortSignal.timeout(1000));
    expect(down.ok).toBe(false);
    expect(down.message).toMatch(/ECONNREFUSED/);
  });
});

describe('http checker', () => {
  it('accepts 2xx by default and sends the Host header asked for', async () => {
    expect(await get({ host: 'www.example' })).toEqual({ ok: true, message: 'HTTP 200' });
    expect(seen.at(-1)).toEqual({ host: 'www.example', method: 'GET', from: '127.0.0.1' });
    expect(await get({ method: 'HEAD' })).toEqual({ ok: true, message: 'HTTP 200' });
    expect(seen.at(-1)).toEqual({ host: `127.0.0.1:${httpPort}`, method: 'HEAD', from: '127.0.0.1' });
  });

  it('connects from the source address asked for (bindto)', async () => {
    const r = await checkHttp({ address: '127.0.0.1', port: httpPort, source: '127.0.0.2' }, opts(), AbortSignal.timeout(2000));
    expect(r.ok).toBe(true);
    expect(seen.at(-1)?.from).toBe('127.0.0.2');
  });

  it('fails on a status outside the list and passes one inside it', async () => {
    expect(await get({ path: '/fail' })).toEqual({ ok: false, message: 'HTTP 500; expected 200-299' });
    expect(await get({ path: '/fail', expect: { status: [[200, 200], [500, 599]] } })).toEqual({ ok: true, message: 'HTTP 500' });
  });

  it('judges the body by regex and by digest (MD5 as genhash prints it, SHA-256)', async () => {
    const md5 = createHash('md5').update(BODY).digest('hex');
    const sha = createHash('sha256').update(BODY).digest('hex');
    expect(await get({ expect: { status: DEFAULT_STATUS, bodyMatch: /tandem ok/ } })).toMatchObject({ ok: true });
    expect(await get({ path: '/maintenance', expect: { status: DEFAULT_STATUS, bodyNotMatch: /MAINTENANCE/ } })).toEqual({
      ok: false,
      message: 'HTTP 200; body matches /MAINTENANCE/, which it must not',
    });
    expect(await get({ path: '/maintenance', expect: { status: DEFAULT_STATUS, bodyMatch: /tandem ok/ } })).toEqual({ ok: false, message: 'HTTP 200; body does not match /tandem ok/' });
    expect(await get({ expect: { status: DEFAULT_STATUS, digest: parseDigest(md5.toUpperCase()) } })).toMatchObject({ ok: true });
    expect(await get({ expect: { status: DEFAULT_STATUS, digest: parseDigest(sha) } })).toMatchObject({ ok: true });
    const wrong = await get({ path: '/maintenance', expect: { status: DEFAULT_STATUS, digest: parseDigest(md5) } });
    expect(wrong.message).toMatch(/^HTTP 200; body md5 is [0-9a-f]{32}, expected [0-9a-f]{32}$/);
  });

  it('does not let a trickling or silent server outlive the timeout', async () => {
    for (const p of ['/trickle', '/hang']) {
      const started = performance.now();
      const r = await get({ path: p }, 300);
      const took = performance.now() - started;
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(/before the timeout/);
      expect(took).toBeLessThan(1000);
    }
  });

  it('requests several urls in turn, each on its own connection, and names the first that fails', async () => {
    const before = seen.length;
    const urls = (...paths: string[]) => paths.map((p) => opts({ path: p, host: `h${p.replace('/', '')}` }));
    expect(await checkHttpUrls({ address: '127.0.0.1', port: httpPort }, urls('/', '/maintenance'), AbortSignal.timeout(2000))).toEqual({ ok: true, message: '2 urls as expected' });
    expect(seen.slice(before).map((r) => r.host)).toEqual(['h', 'hmaintenance']);
    const failed = await checkHttpUrls({ address: '127.0.0.1', port: httpPort }, urls('/', '/fail', '/maintenance'), AbortSignal.timeout(2000));
    expect(failed).toEqual({ ok: false, message: '/fail: HTTP 500; expected 200-299' });
    // The third url is not requested once the second has failed.
    expect(seen.slice(before).map((r) => r.host)).toEqual(['h', 'hmaintenance', 'h', 'hfail']);
  });

  it('fails on a refused connection', async () => {
    const closed = net.createServer();
    const port = await listen(closed);
    closed.close();
    expect((await get({}, 1000, port)).message).toMatch(/ECONNREFUSED/);
  });
});

describe('https checker', () => {
  it('verifies the certificate against the CA with SNI, or skips verification when told', async () => {
    const ca = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
    expect(await get({ tls: true, host: 'rs1.example', ca })).toEqual({ ok: true, message: 'HTTP 200' });
    const untrusted = await get({ tls: true, host: 'rs1.example' });
    expect(untrusted.ok).toBe(false);
    expect(untrusted.message).toMatch(/certificate/);
    const wrongName = await get({ tls: true, host: 'other.example', ca });
    expect(wrongName.ok).toBe(false);
    expect(wrongName.message).toMatch(/rs1\.example|altnames/);
    expect(await get({ tls: true, verify: false })).toEqual({ ok: true, message: 'HTTP 200' });
  });
});

describe('script checker', () => {
  const sh = (code: string, dynamic = false, timeoutMs = 2000) =>
    checkScript({ argv: ['/bin/sh', '-c', code], env: { TANDEM_RS_ADDRESS: '10.0.0.1' }, dynamic, timeoutMs }, AbortSignal.timeout(5000));

  it('is up on exit 0, down on anything else, with its last stderr line', async () => {
    expect(await sh('test "$TANDEM_RS_ADDRESS" = 10.0.0.1')).toEqual({ ok: true, message: 'exit 0' });
    expect(await sh('echo first >&2; echo "db down" >&2; exit 3')).toEqual({ ok: false, message: 'exit 3: db down' });
  });

  it('sets the weight from the exit status in dynamic mode', async () => {
    expect(await sh('exit 12', true)).toEqual({ ok: true, message: 'exit 12: weight 10', weight: 10 });
    expect(await sh('exit 1', true)).toEqual({ ok: false, message: 'exit 1' });
  });

  it('is killed at its timeout', async () => {
    const started = performance.now();
    expect(await sh('sleep 5', false, 200)).toEqual({ ok: false, message: 'killed at the timeout' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
