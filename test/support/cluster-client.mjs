// The cluster lab's client (test/support/cluster-lab.ts), run in the client's namespace:
// VIP may be VIP:PORT (default port 80).
//   node cluster-client.mjs load VIP FLOWS
//     FLOWS long-lived connections, each asking every 200 ms, and a new connection every
//     100 ms, until a line on stdin; then one JSON line: for each flow its port, the real
//     servers that answered it in order and whether it broke; for the new connections, how
//     many were answered and when (ms since start) those that failed were made.
//   node cluster-client.mjs mapping VIP FIRST_PORT COUNT
//     one request from each source port FIRST_PORT.. in turn (the server closes first, so the
//     ports can be used again at once): one JSON line, port -> real server (or "failed").
// Every wait is bounded: a request that gets no answer in 5 s has failed.
import http from 'node:http';
import net from 'node:net';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';

const [mode, target, ...rest] = process.argv.slice(2);
const [vip, port = '80'] = target.split(':');
const TIMEOUT_MS = 5000;
const start = Date.now();

/** One request on a new connection (optionally from `localPort`): the body, or null. */
function once(localPort) {
  return new Promise((resolve) => {
    const q = http.get({ host: vip, port: Number(port), agent: false, localPort, timeout: TIMEOUT_MS, headers: { connection: 'close' } }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => resolve(body.trim()));
    });
    q.on('timeout', () => q.destroy(new Error('timeout')));
    q.on('error', () => resolve(null));
  });
}

/** A keep-alive connection asking every `everyMs`; `stop()` ends it and says what it saw. */
function flow(everyMs) {
  const record = { port: 0, answers: [], broken: false };
  const s = net.connect(Number(port), vip);
  let buf = '';
  let waiting = false;
  let timer;
  const ask = () => {
    if (record.broken || waiting) return;
    waiting = true;
    s.write('GET / HTTP/1.1\r\nHost: vip\r\n\r\n');
    timer = setTimeout(() => fail(), TIMEOUT_MS);
  };
  const fail = () => {
    record.broken = true;
    s.destroy();
  };
  s.on('connect', () => {
    record.port = s.localPort;
    ask();
  });
  s.on('data', (d) => {
    buf += d;
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const len = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
    if (buf.length < end + 4 + len) return;
    const body = buf.slice(end + 4, end + 4 + len).trim();
    buf = buf.slice(end + 4 + len);
    clearTimeout(timer);
    waiting = false;
    if (record.answers.at(-1) !== body) record.answers.push(body);
  });
  s.on('error', () => (record.broken = true));
  s.on('close', () => (record.broken = true));
  const tick = setInterval(ask, everyMs);
  return () => {
    clearInterval(tick);
    clearTimeout(timer);
    const broken = record.broken;
    s.destroy();
    return { ...record, broken };
  };
}

async function load(count) {
  const flows = Array.from({ length: Number(count) }, () => flow(200));
  const fresh = { answered: 0, failedAtMs: [] };
  let stopped = false;
  const stream = (async () => {
    while (!stopped) {
      const at = Date.now() - start;
      if ((await once()) === null) fresh.failedAtMs.push(at);
      else fresh.answered += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  console.log('ready');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  stopped = true;
  await stream;
  console.log(JSON.stringify({ flows: flows.map((stop) => stop()), fresh }));
  process.exit(0);
}

async function mapping(first, count) {
  const out = {};
  for (let p = Number(first); p < Number(first) + Number(count); p++) out[p] = (await once(p)) ?? 'failed';
  console.log(JSON.stringify(out));
}

if (mode === 'load') await load(rest[0]);
else if (mode === 'mapping') await mapping(rest[0], rest[1]);
else {
  console.error('usage: cluster-client.mjs load VIP FLOWS | mapping VIP FIRST_PORT COUNT');
  process.exit(2);
}
