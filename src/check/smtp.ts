import net from 'node:net';
import type { CheckOutcome, CheckTarget } from './types.js';
import { errorText } from './types.js';

/**
 * SMTP, as Keepalived's SMTP_CHECK: the server's 220 greeting, then `HELO name` answered
 * with 250; then QUIT. Any other reply, or none, is down.
 */
export function checkSmtp(target: CheckTarget, helo: string, signal: AbortSignal): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.address, port: target.port, localAddress: target.source });
    let buffer = '';
    let stage: 'greeting' | 'helo' = 'greeting';
    const done = (outcome: CheckOutcome) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = () => done({ ok: false, message: `no SMTP ${stage === 'greeting' ? 'greeting' : 'HELO reply'} before the timeout` });
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setEncoding('latin1');
    socket.on('error', (err) => done({ ok: false, message: errorText(err) }));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      // A reply ends with a line whose code is followed by a space (multi-line replies use '-').
      const last = /(^|\r?\n)(\d{3}) [^\n]*\r?\n$/.exec(buffer);
      if (!last) {
        if (buffer.length > 8192) done({ ok: false, message: 'SMTP reply too long' });
        return;
      }
      const code = last[2] as string;
      buffer = '';
      if (stage === 'greeting') {
        if (code !== '220') return done({ ok: false, message: `SMTP greeting ${code}` });
        stage = 'helo';
        socket.write(`HELO ${helo}\r\n`);
        return;
      }
      socket.write('QUIT\r\n');
      done(code === '250' ? { ok: true, message: 'SMTP 220, HELO 250' } : { ok: false, message: `SMTP HELO answered ${code}` });
    });
  });
}
