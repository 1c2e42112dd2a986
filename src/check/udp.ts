import dgram from 'node:dgram';
import net from 'node:net';
import type { CheckOutcome, CheckTarget } from './types.js';
import { errorText } from './types.js';

export interface UdpOptions {
  payload: Buffer;
  /** Only a reply is up; otherwise silence is up too, and only an ICMP unreachable is down. */
  requireReply: boolean;
  /** Without requireReply: how long to wait for an ICMP error before counting silence as up. */
  quietMs: number;
}

/**
 * UDP, as Keepalived's UDP_CHECK: a datagram to the server on a connected socket, so an ICMP
 * port or host unreachable comes back as an error. Up on a reply, or (without require_reply)
 * on silence until `quietMs`.
 */
export function checkUdp(target: CheckTarget, opts: UdpOptions, signal: AbortSignal): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(target.address) ? 'udp6' : 'udp4');
    let quiet: NodeJS.Timeout | undefined;
    let finished = false;
    const done = (outcome: CheckOutcome) => {
      if (finished) return;
      finished = true;
      clearTimeout(quiet);
      signal.removeEventListener('abort', onAbort);
      socket.close();
      resolve(outcome);
    };
    const onAbort = () => done({ ok: false, message: 'no reply before the timeout' });
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => done({ ok: false, message: errorText(err) }));
    socket.on('message', (msg) => done({ ok: true, message: `reply of ${msg.length} bytes` }));
    socket.bind({ address: target.source, port: 0 }, () => {
      socket.connect(target.port, target.address, () => {
        socket.send(opts.payload, (err) => {
          if (err) return done({ ok: false, message: errorText(err) });
          if (!opts.requireReply) quiet = setTimeout(() => done({ ok: true, message: 'no ICMP error (no reply required)' }), opts.quietMs);
        });
      });
    });
  });
}
