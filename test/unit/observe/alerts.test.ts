import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config, RealServerConfig, VirtualServiceConfig } from '../../../src/config/schema.js';
import { serviceEvents } from '../../../src/daemon/service-events.js';
import { instanceAlert, SmtpAlerts } from '../../../src/observe/alerts.js';
import type { Alert } from '../../../src/observe/alerts.js';

// A real SMTP server (smtp-server) on loopback receives what tandem mails.

interface Received {
  from: string;
  to: string[];
  helo: string;
  data: string;
}

let server: SMTPServer;
let port: number;
const received: Received[] = [];
const log = pino({ level: 'silent' });

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (data += chunk));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), helo: session.hostNameAppearsAs, data });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port)));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const smtp = () => ({ server: '127.0.0.1', port, helo: 'lb1.example.com', from: 'lb1@example.com', to: ['ops@example.com', 'noc@example.com'], connect_timeout: 5 });

describe('alert mail', () => {
  it('is delivered through the relay, in Keepalived\'s words', async () => {
    received.length = 0;
    const alerts = new SmtpAlerts();
    alerts.send(smtp(), instanceAlert('VI_1', 'BACKUP', 'MASTER'), log);
    await alerts.drain();
    expect(received).toHaveLength(1);
    const [mail] = received as [Received];
    expect(mail.from).toBe('lb1@example.com');
    expect(mail.to).toEqual(['ops@example.com', 'noc@example.com']);
    expect(mail.helo).toBe('lb1.example.com');
    expect(mail.data).toMatch(/^Subject: \[[^\]]+\] VRRP Instance VI_1 - Entering MASTER state$/m);
    expect(mail.data).toContain('=> VRRP Instance is now owning VRRP VIPs <=');
  });

  it('that fails is logged and does not throw; with no relay configured, nothing is sent', async () => {
    received.length = 0;
    const alerts = new SmtpAlerts();
    const lines: string[] = [];
    const capture = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
    alerts.send({ ...smtp(), port: 1, connect_timeout: 1 }, instanceAlert('VI_1', 'MASTER', 'BACKUP'), capture);
    alerts.send(undefined, instanceAlert('VI_1', 'MASTER', 'BACKUP'), capture);
    await alerts.drain();
    expect(received).toHaveLength(0);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string).msg).toMatch(/^alert mail to 127\.0\.0\.1:1 failed: /);
  });
});

describe('service events', () => {
  it('run the server and quorum hooks and mail the services that alert', () => {
    const hooks: string[][] = [];
    const mails: Alert[] = [];
    const rs = { address: '198.51.100.1', port: 80, notify: { up: ['/bin/up'], down: ['/bin/down'] } } as unknown as RealServerConfig;
    const vs = { protocol: 'tcp', address: '192.0.2.10', port: 80, alert: true, real_servers: [rs], notify: { quorum_down: ['/bin/qdown'] } } as unknown as VirtualServiceConfig;
    const config = { alerts: { smtp: smtp() } } as unknown as Config;
    const events = serviceEvents({ hooks: { run: (argv) => void hooks.push(argv), drain: async () => undefined }, alerts: { send: (_s, a) => void mails.push(a), drain: async () => undefined } }, log, () => config);
    events.server(vs, rs, false, 'connection refused');
    events.quorum(vs, false, 0, 1);
    events.quorum(vs, true, 1, 1);
    expect(hooks).toEqual([['/bin/down'], ['/bin/qdown']]);
    expect(mails.map((m) => m.subject.replace(/^\[[^\]]+\] /, ''))).toEqual([
      'Realserver 198.51.100.1:80 of virtual server tcp 192.0.2.10:80 - DOWN',
      'Virtual Server tcp 192.0.2.10:80 - DOWN',
      'Virtual Server tcp 192.0.2.10:80 - UP',
    ]);
    expect(mails[0]?.body).toBe('=> CHECK failed on service: connection refused <=');
  });
});
