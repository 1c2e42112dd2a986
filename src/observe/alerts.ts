import os from 'node:os';
import type { Logger } from 'pino';
import type { SmtpConfig } from '../config/schema.js';

/** One alert mail, in Keepalived's words so that mail filters written for it keep working. */
export interface Alert {
  subject: string;
  body: string;
}

/** The seam for alert mail: sent in the background, never waited for by a transition. */
export interface Alerts {
  send(smtp: SmtpConfig | undefined, alert: Alert, log: Logger): void;
  /** Waits for the mails still on their way (at shutdown), for a bounded time. */
  drain(): Promise<void>;
}

/**
 * Sends alerts through an SMTP relay with nodemailer, one connection per mail (alerts are rare,
 * and a relay that drops idle connections never fails the next one). STARTTLS is used when the
 * relay offers it, without verifying its certificate (Keepalived sends in the clear).
 */
export class SmtpAlerts implements Alerts {
  private readonly pending = new Set<Promise<void>>();

  send(smtp: SmtpConfig | undefined, alert: Alert, log: Logger): void {
    if (!smtp) return;
    const p = deliver(smtp, alert).then(
      (id) => log.info({ alert: alert.subject, to: smtp.to, id }, `alert mailed: ${alert.subject}`),
      (err: Error) => log.error({ alert: alert.subject, server: smtp.server, err: err.message }, `alert mail to ${smtp.server}:${smtp.port} failed: ${err.message}`),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits for the mails on their way, at most `maxMs`: a hung relay must not hold up a stop. */
  async drain(maxMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)));
    await Promise.race([Promise.all(this.pending), limit]);
    clearTimeout(timer);
  }
}

async function deliver(smtp: SmtpConfig, alert: Alert): Promise<string> {
  const { createTransport } = await import('nodemailer');
  const ms = smtp.connect_timeout * 1000;
  const transport = createTransport({
    host: smtp.server,
    port: smtp.port,
    secure: false,
    name: smtp.helo ?? os.hostname(),
    connectionTimeout: ms,
    greetingTimeout: ms,
    socketTimeout: ms,
    tls: { rejectUnauthorized: false },
  });
  try {
    const info = await transport.sendMail({ from: smtp.from ?? `tandem@${os.hostname()}`, to: smtp.to, subject: alert.subject, text: `${alert.body}\n` });
    return String(info.messageId);
  } finally {
    transport.close();
  }
}

/** The host's short name, which Keepalived puts first in every alert's subject. */
function host(): string {
  return os.hostname().split('.')[0] as string;
}

export function instanceAlert(name: string, from: string, to: string): Alert {
  const entering = { MASTER: 'Entering MASTER state', BACKUP: 'Entering BACKUP state', FAULT: 'Entering FAULT state', INIT: 'Stopped' }[to] ?? `Entering ${to} state`;
  const body = { MASTER: 'VRRP Instance is now owning VRRP VIPs', BACKUP: 'VRRP Instance is no longer owning VRRP VIPs', FAULT: 'VRRP Instance is in FAULT state', INIT: 'VRRP Instance stopped' }[to] ?? to;
  return { subject: `[${host()}] VRRP Instance ${name} - ${entering}`, body: `=> ${body} <=\n(${from} -> ${to})` };
}

export function groupAlert(name: string, to: string): Alert {
  return { subject: `[${host()}] VRRP Group ${name} - Entering ${to} state`, body: `=> All VRRP group instances are now in ${to} state <=` };
}

export function serverAlert(server: string, service: string, up: boolean, why: string | undefined): Alert {
  return {
    subject: `[${host()}] Realserver ${server} of virtual server ${service} - ${up ? 'UP' : 'DOWN'}`,
    body: `=> ${up ? 'CHECK succeed on service' : `CHECK failed on service${why ? `: ${why}` : ''}`} <=`,
  };
}

export function quorumAlert(service: string, up: boolean, healthyWeight: number, quorum: number): Alert {
  return {
    subject: `[${host()}] Virtual Server ${service} - ${up ? 'UP' : 'DOWN'}`,
    body: `=> ${up ? 'Gained' : 'Lost'} quorum for VS ${service}: healthy weight ${healthyWeight}, quorum ${quorum} <=`,
  };
}
