// A real server for the tests: `node http-rs.mjs PORT MODE NAME`. Every path answers with the
// server's NAME, except as MODE says: ok, fail (HTTP 500), slow (answers after 3 s), wrongbody.
import http from 'node:http';

const [port, mode, name] = process.argv.slice(2);
// Idle keep-alive connections stay 65 s, as web servers keep them (Node's own default is 5 s,
// which a stalled client on a slow kernel can outlast and then race the server's close).
http
  .createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    if (mode === 'fail') return void res.writeHead(500).end('broken\n');
    if (mode === 'slow') return void setTimeout(() => res.end(`${name}\n`), 3000).unref();
    if (mode === 'wrongbody') return void res.end('It works!\n');
    res.end(`${name}\n`);
  })
  .listen(Number(port), () => console.log('ready'));
