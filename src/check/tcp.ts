import net from 'node:net';
import type { CheckOutcome, CheckTarget } from './types.js';
import { errorText } from './types.js';

/** TCP: the connection is accepted. It is closed at once. */
export function checkTcp(target: CheckTarget, signal: AbortSignal): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.address, port: target.port, localAddress: target.source });
    const done = (outcome: CheckOutcome) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = () => done({ ok: false, message: 'no connection before the timeout' });
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done({ ok: true, message: 'connected' }));
    socket.once('error', (err) => done({ ok: false, message: errorText(err) }));
  });
}
