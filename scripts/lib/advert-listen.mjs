// Listens to the adverts on a lab link and reports how regularly one sender's arrive:
//   node advert-listen.mjs SECONDS SENDER LOCAL_ADDRESS
// Prints one JSON line: {count, p50, p99, max} gaps in ms. Bounded by SECONDS; exits by itself.
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';

const [seconds, sender, local] = process.argv.slice(2);
const times = [];
const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
socket.on('message', (_msg, rinfo) => {
  if (rinfo.address === sender) times.push(performance.now());
});
await new Promise((r) => socket.bind(5798, r));
socket.addMembership('224.0.0.18', local);
console.log('listening');
setTimeout(() => {
  socket.close();
  const gaps = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
  const pick = (q) => (gaps.length ? Math.round(gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))] * 10) / 10 : null);
  console.log(JSON.stringify({ count: times.length, p50: pick(0.5), p99: pick(0.99), max: gaps.length ? Math.round(gaps[gaps.length - 1] * 10) / 10 : null }));
}, Number(seconds) * 1000);
