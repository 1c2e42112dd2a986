// A real server for the tests: `node http-rs.mjs PORT MODE NAME`. Every path answers with the
// server's NAME, except as MODE says: ok, fail (HTTP 500), slow (answers after 3 s), wrongbody,
// echo (NAME, the X-Client header and the peer's address: `rs1 x-client=192.0.2.50 peer=192.0.2.1`).
// SIGUSR1 closes the port (connections are refused, as when the server dies) and prints
// "closed"; SIGUSR2 opens it again and prints "ready": a death and a return without the
// seconds a new Node.js takes to start on a slow kernel. With HTTP_RS_LOG set, each request
// prints "hit".
import http from 'node:http';
import { setInterval } from 'node:timers';

const [port, mode, name] = process.argv.slice(2);
// Idle keep-alive connections stay 65 s, as web servers keep them (Node's own default is 5 s,
// which a stalled client on a slow kernel can outlast and then race the server's close).
const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  if (process.env.HTTP_RS_LOG) console.log('hit');
  if (mode === 'fail') return void res.writeHead(500).end('broken\n');
  if (mode === 'slow') return void setTimeout(() => res.end(`${name}\n`), 3000).unref();
  if (mode === 'wrongbody') return void res.end('It works!\n');
  if (mode === 'echo') return void res.end(`${name} x-client=${req.headers['x-client'] ?? '-'} peer=${req.socket.remoteAddress?.replace(/^::ffff:/, '')}\n`);
  res.end(`${name}\n`);
});
const open = () => server.listen(Number(port), () => console.log('ready'));
process.on('SIGUSR1', () => {
  server.close(() => console.log('closed'));
  server.closeAllConnections();
});
process.on('SIGUSR2', () => {
  if (!server.listening) open();
});
open();
// Signal listeners hold no handle: without this the process would end once its port is closed.
setInterval(() => {}, 1 << 30);
