/*
 * The daemon's exec thread: every command the main thread runs (ip, arping, notify and track
 * scripts) is forked here. A fork stops the thread that makes it for as long as the kernel
 * takes to copy the process's page tables: a few ms on a host, most of a second for a large
 * process under User-mode Linux. Here it never holds up an advert.
 */
import { parentPort } from 'node:worker_threads';
import { CommandError, runHere } from './exec.js';
import type { ExecReply, ExecRequest } from './exec-messages.js';
import { WarmCommand } from './warm.js';

const port = parentPort;
if (!port) throw new Error('exec-worker.js runs as a worker thread of tandem run');

const warms = new Map<number, WarmCommand>();
const aborts = new Map<number, AbortController>();

function answer(id: number, work: (signal: AbortSignal) => Promise<unknown>): void {
  const abort = new AbortController();
  aborts.set(id, abort);
  // A throw in `work` (an unknown warm command) is an answer too, never the thread's end.
  Promise.resolve()
    .then(() => work(abort.signal))
    .then(
      (value): ExecReply => ({ id, ok: true, value }),
      (err: Error): ExecReply => ({
        id,
        ok: false,
        error: { message: err.message, ...(err instanceof CommandError ? { command: { argv: err.argv, exitCode: err.exitCode, stderr: err.stderr, timedOut: err.timedOut } } : {}) },
      }),
    )
    .then((reply) => {
      aborts.delete(id);
      port?.postMessage(reply);
    });
}

function warm(handle: number): WarmCommand {
  const w = warms.get(handle);
  if (!w) throw new Error(`exec thread: no warm command ${handle}`);
  return w;
}

port.on('message', (req: ExecRequest) => {
  switch (req.op) {
    case 'run':
      return answer(req.id, (signal) => runHere(req.file, req.args, { ...req.options, signal }));
    case 'warm':
      return void warms.set(req.handle, new WarmCommand(req.argv, req.options));
    case 'arm':
      return warms.get(req.handle)?.arm();
    case 'fire':
      return answer(req.id, (signal) => warm(req.handle).fire(req.input, signal));
    case 'close':
      warms.get(req.handle)?.close();
      return void warms.delete(req.handle);
    case 'abort':
      return aborts.get(req.id)?.abort();
  }
});
