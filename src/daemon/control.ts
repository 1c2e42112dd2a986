import { chmod, rm } from 'node:fs/promises';
import net from 'node:net';
import { answerChunks } from './raw-json.js';

export type ControlRequest = { command: string; [arg: string]: unknown };
export type ControlHandler = (request: ControlRequest) => Promise<unknown> | unknown;

/**
 * The control socket: a Unix socket, mode 0600 (root only), one JSON request per line and one
 * JSON answer per line: `{ok: true, result}` or `{ok: false, error}`.
 */
export class ControlServer {
  private constructor(private readonly server: net.Server, private readonly path: string) {}

  static async listen(path: string, handle: ControlHandler): Promise<ControlServer> {
    await rm(path, { force: true });
    const server = net.createServer((socket) => {
      let buffer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          void answer(line, handle).then((reply) => {
            socket.cork();
            for (const chunk of answerChunks(reply)) socket.write(chunk);
            socket.uncork();
          });
        }
        if (buffer.length > 65536) socket.destroy();
      });
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    await chmod(path, 0o600);
    return new ControlServer(server, path);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.path, { force: true });
  }
}

async function answer(line: string, handle: ControlHandler): Promise<{ ok: boolean; result?: unknown; error?: string }> {
  try {
    const request = JSON.parse(line) as ControlRequest;
    if (!request || typeof request.command !== 'string') throw new Error('request must be a JSON object with a "command"');
    return { ok: true, result: await handle(request) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Sends one request to a daemon's control socket and returns its result (or throws its error). */
export async function controlRequest(path: string, request: ControlRequest, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`control socket ${path}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      // Only the new chunk is searched: a status of many servers comes in hundreds of chunks.
      const inChunk = chunk.indexOf('\n');
      buffer += chunk;
      if (inChunk < 0) return;
      const newline = buffer.length - chunk.length + inChunk;
      clearTimeout(timer);
      socket.end();
      const reply = JSON.parse(buffer.slice(0, newline)) as { ok: boolean; result?: unknown; error?: string };
      if (reply.ok) resolve(reply.result);
      else reject(new Error(reply.error));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`control socket ${path}: ${err.message}; is the daemon running with this --state-dir?`));
    });
  });
}
