import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDns } from '../../../src/check/dns.js';
import { checkPing } from '../../../src/check/ping.js';
import { checkSmtp } from '../../../src/check/smtp.js';
import { checkUdp } from '../../../src/check/udp.js';

// Real peers on loopback, port 0: an SMTP server (smtp-server), a UDP echo, a DNS responder.

const never = new AbortController().signal;
const timeoutSignal = (ms: number) => AbortSignal.timeout(ms);

let smtp: SMTPServer;
let smtpPort: number;
let echo: dgram.Socket;
let echoPort: number;
let dns: dgram.Socket;
let dnsPort: number;
let closedUdpPort: number;
let rude: net.Server;
let rudePort: number;
const helos: string[] = [];

/** A minimal DNS answer: the query echoed with QR set and RCODE 3 (NXDOMAIN) for "missing.test.", an A record otherwise. */
function answer(query: Buffer): Buffer {
  const header = Buffer.from(query.subarray(0, 12));
  const question = query.subarray(12);
  const nameEnd = question.indexOf(0) + 1;
  const name = question.subarray(0, nameEnd);
  const missing = name.toString('latin1').includes('missing');
  header.writeUInt16BE(0x8180 | (missing ? 3 : 0), 2); // QR, RD, RA, RCODE
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(missing ? 0 : 1, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  const q = question.subarray(0, nameEnd + 4);
  if (missing) return Buffer.concat([header, q]);
  const record = Buffer.concat([Buffer.from([0xc0, 0x0c]), Buffer.from([0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 9])]);
  return Buffer.concat([header, q, record]);
}

const bindUdp = (socket: dgram.Socket) => new Promise<number>((resolve) => socket.bind(0, '127.0.0.1', () => resolve((socket.address() as AddressInfo).port)));

beforeAll(async () => {
  smtp = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], onConnect: (session, cb) => {
    helos.push(session.hostNameAppearsAs ?? '');
    cb();
  } });
  smtp.on('error', () => undefined);
  smtpPort = await new Promise<number>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve((smtp.server.address() as AddressInfo).port)));
  echo = dgram.createSocket('udp4');
  echo.on('message', (msg, from) => echo.send(msg, from.port, from.address));
  echoPort = await bindUdp(echo);
  dns = dgram.createSocket('udp4');
  dns.on('message', (msg, from) => dns.send(answer(msg), from.port, from.address));
  dnsPort = await bindUdp(dns);
  const closed = dgram.createSocket('udp4');
  closedUdpPort = await bindUdp(closed);
  closed.close();
  rude = net.createServer((s) => s.end('554 go away\r\n'));
  rudePort = await new Promise<number>((resolve) => rude.listen(0, '127.0.0.1', () => resolve((rude.address() as AddressInfo).port)));
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  echo.close();
  dns.close();
  rude.close();
});

describe('UDP check', () => {
  it('is up on a reply, down on an ICMP port unreachable, and up on silence unless a reply is required', async () => {
    const target = (port: number) => ({ address: '127.0.0.1', port });
    expect(await checkUdp(target(echoPort), { payload: Buffer.from('hi'), requireReply: true, quietMs: 500 }, never)).toMatchObject({ ok: true, message: 'reply of 2 bytes' });
    expect((await checkUdp(target(closedUdpPort), { payload: Buffer.from('hi'), requireReply: false, quietMs: 2000 }, never)).ok).toBe(false);
    // A listener that never answers: silence is up without require_reply, and a timeout with it.
    const silent = dgram.createSocket('udp4');
    const silentPort = await bindUdp(silent);
    try {
      expect(await checkUdp(target(silentPort), { payload: Buffer.alloc(0), requireReply: false, quietMs: 100 }, never)).toMatchObject({ ok: true });
      expect(await checkUdp(target(silentPort), { payload: Buffer.alloc(0), requireReply: true, quietMs: 100 }, timeoutSignal(200))).toMatchObject({ ok: false, message: 'no reply before the timeout' });
    } finally {
      silent.close();
    }
  });
});

describe('DNS check', () => {
  it('is up when the server answers, records or not, and down when nothing answers', async () => {
    expect(await checkDns({ address: '127.0.0.1', port: dnsPort }, { name: 'www.test', type: 'A', timeoutMs: 1000 }, never)).toMatchObject({ ok: true, message: 'A www.test: 1 record(s)' });
    expect(await checkDns({ address: '127.0.0.1', port: dnsPort }, { name: 'missing.test', type: 'A', timeoutMs: 1000 }, never)).toMatchObject({ ok: true });
    expect((await checkDns({ address: '127.0.0.1', port: closedUdpPort }, { name: 'www.test', type: 'A', timeoutMs: 300 }, never)).ok).toBe(false);
  });
});

describe('SMTP check', () => {
  it('is up on a 220 greeting and a 250 answer to HELO, with the name asked for', async () => {
    expect(await checkSmtp({ address: '127.0.0.1', port: smtpPort }, 'lb1.example.com', never)).toEqual({ ok: true, message: 'SMTP 220, HELO 250' });
  });

  it('is down on another greeting and on a refused connection', async () => {
    expect(await checkSmtp({ address: '127.0.0.1', port: rudePort }, 'lb1', never)).toEqual({ ok: false, message: 'SMTP greeting 554' });
    const refused = await checkSmtp({ address: '127.0.0.1', port: closedUdpPort }, 'lb1', never);
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(/ECONNREFUSED/);
  });
});

describe('PING check', () => {
  it('is up when loopback answers the echo request (iputils ping)', async () => {
    expect(await checkPing({ address: '127.0.0.1', port: 0 }, 1000, never)).toEqual({ ok: true, message: 'echo reply' });
  });
});
