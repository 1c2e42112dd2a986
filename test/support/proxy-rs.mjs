// A real server that speaks the PROXY protocol (version 1, text) for the tests:
// `node proxy-rs.mjs PORT NAME`. It reads the header line a proxy sends first
// (`PROXY TCP4 CLIENT DEST CPORT DPORT\r\n`), answers `NAME client=CLIENT peer=PEER` and closes.
// A connection without the header (a health check's connect) is closed when it ends.
import net from 'node:net';

const [port, name] = process.argv.slice(2);
const server = net.createServer((socket) => {
  let head = '';
  socket.setEncoding('latin1');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    head += chunk;
    const end = head.indexOf('\r\n');
    if (end < 0) return;
    const [tag, , client] = head.slice(0, end).split(' ');
    socket.end(`${name} client=${tag === 'PROXY' ? client : 'none'} peer=${socket.remoteAddress?.replace(/^::ffff:/, '')}\n`);
  });
});
server.listen(Number(port), () => console.log('ready'));
