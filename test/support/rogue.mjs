// An attacker on the lab link, for the forged/replayed advert tests. Runs in a namespace:
//   node rogue.mjs forge <none|KEY> <count>         master adverts, priority 254, every 20 ms
//   node rogue.mjs replay <captureMs> <waitMs> <replayMs>
//       records the real adverts for captureMs, waits, then sends them again every 20 ms.
// Bounded by its arguments; exits by itself.
import dgram from 'node:dgram';
import { encodeAdvert } from '../../dist/vrrp/codec.js';

const [mode, ...args] = process.argv.slice(2);
const PORT = 5798;
const GROUP = '224.0.0.18';
const ME = '192.0.2.66';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
await new Promise((r) => socket.bind(PORT, r));
socket.setMulticastInterface(ME);
socket.addMembership(GROUP, ME);
const send = (buf) => new Promise((r) => socket.send(buf, PORT, GROUP, r));

if (mode === 'forge') {
  const [keyArg, countArg] = args;
  const auth = keyArg === 'none' ? { type: 'none' } : { type: 'hmac-sha256', key: Buffer.from(keyArg) };
  for (let seq = 1; seq <= Number(countArg); seq++) {
    await send(encodeAdvert({ kind: 'master', vrid: 51, priority: 254, intervalCs: 10, epoch: 0xfffffff0, seq, sender: ME, vips: ['192.0.2.100'] }, auth));
    await sleep(20);
  }
} else if (mode === 'replay') {
  const [captureMs, waitMs, replayMs] = args.map(Number);
  const captured = [];
  socket.on('message', (msg) => captured.length < 1000 && captured.push(Buffer.from(msg)));
  await sleep(captureMs);
  socket.removeAllListeners('message');
  console.log(`captured ${captured.length}`);
  await sleep(waitMs);
  const end = Date.now() + replayMs;
  let sent = 0;
  while (Date.now() < end && captured.length) {
    await send(captured[sent % captured.length]);
    sent++;
    await sleep(20);
  }
  console.log(`replayed ${sent}`);
} else {
  console.error(`unknown mode ${mode}`);
  process.exitCode = 2;
}
socket.close();
