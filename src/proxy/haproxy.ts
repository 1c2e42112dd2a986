import { rename } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import type { Logger } from 'pino';
import { readNoFollow, writeNoFollow } from '../daemon/state-dir.js';
import { CommandError, run } from '../net/exec.js';
import { processAlive } from '../net/process.js';
import { haproxyConfig, proxyStates, stateCommands } from './haproxy-config.js';
import type { ProxiedService, ProxyStates } from './haproxy-config.js';

/** The seam between the services and the proxy that carries `client_address` services (none in the simulator). */
export interface Proxy {
  /** Carries exactly these services, their servers as the table says; none stops the proxy. Never throws. */
  configure(services: ProxiedService[], tcpTimeout?: number): Promise<void>;
  status(): ProxyStatus;
  /** Stops taking connections; those open finish (HAProxy's soft stop). */
  stop(): Promise<void>;
}

export interface ProxyStatus {
  /** The HAProxy master's pid while it runs. */
  pid: number | null;
  services: number;
  serversIn: number;
  serversOut: number;
  reloads: number;
  lastError: string | null;
}

/** How long HAProxy may take to start, reload or answer. */
const READY_MS = 10_000;
const CLI_MS = 5_000;
/** After HAProxy died, it is started again this much later. */
const RESTART_MS = 1_000;
/** After a failure (HAProxy missing, a port taken), the next try. */
const RETRY_MS = 5_000;

/** One line to a HAProxy CLI socket; resolves with what it answered (the socket closes after). */
function cli(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    let out = '';
    const timer = setTimeout(() => c.destroy(new Error(`no answer from ${socket} within ${CLI_MS / 1000} s`)), CLI_MS);
    c.setEncoding('utf8');
    c.on('data', (d: string) => (out += d));
    c.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    c.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    c.end(`${line}\n`);
  });
}

/** The master's `show proc`: its reload count and whether a worker runs. */
function parseShowProc(text: string): { reloads: number; failed: number; workers: number } {
  const master = /^\d+\s+master\s+(\d+)\s+\[failed:\s*(\d+)\]/m.exec(text);
  return { reloads: Number(master?.[1] ?? -1), failed: Number(master?.[2] ?? 0), workers: (text.match(/^\d+\s+worker\s/gm) ?? []).length };
}

/**
 * HAProxy (Debian's `haproxy`, 2.2 or later) in master-worker mode, a child of the services
 * thread, its files in the state dir (`haproxy.cfg`, the master's CLI `haproxy-master.sock`,
 * the workers' `haproxy.sock`, `haproxy.pid`). A change of services writes the config (checked
 * with `haproxy -c` first) and reloads it (SIGUSR2: a new worker takes the listeners, the old
 * one finishes its connections); a change of health only moves servers in and out through the
 * runtime API. HAProxy's log lines come to tandem's log. If it dies it is started again.
 */
export class HaproxyProxy implements Proxy {
  private child?: ResultPromise;
  private pid: number | null = null;
  private structure?: string;
  private states: ProxyStates = new Map();
  private wanted: ProxiedService[] = [];
  private tcpTimeout = 900;
  private queue: Promise<void> = Promise.resolve();
  private reloads = 0;
  private lastError: string | null = null;
  private stopped = false;
  private restartTimer?: NodeJS.Timeout;

  constructor(private readonly options: { dir: string; log: Logger; command?: string }) {}

  private file(name: string): string {
    return path.join(this.options.dir, name);
  }

  private get command(): string {
    return this.options.command ?? 'haproxy';
  }

  configure(services: ProxiedService[], tcpTimeout = 900): Promise<void> {
    this.wanted = services;
    this.tcpTimeout = tcpTimeout;
    return this.enqueue();
  }

  /** Brings HAProxy to what was last asked, after what is already under way. */
  private enqueue(): Promise<void> {
    this.queue = this.queue.then(() => this.apply(this.wanted, this.tcpTimeout)).then(
      () => {
        this.lastError = null;
      },
      (err: Error) => {
        this.lastError = `${err.message}; trying again every ${RETRY_MS / 1000} s`;
        this.options.log.error(`HAProxy: ${this.lastError}`);
        clearTimeout(this.restartTimer);
        if (!this.stopped) this.restartTimer = setTimeout(() => void this.enqueue(), RETRY_MS).unref();
      },
    );
    return this.queue;
  }

  status(): ProxyStatus {
    const states = [...this.states.values()];
    return {
      pid: this.pid,
      services: this.structure ? this.wanted.length : 0,
      serversIn: states.filter((s) => s !== null).length,
      serversOut: states.filter((s) => s === null).length,
      reloads: this.reloads,
      lastError: this.lastError,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.queue;
    this.softStop();
  }

  private softStop(): void {
    try {
      if (this.pid !== null) process.kill(this.pid, 'SIGUSR1');
    } catch {
      // Gone already.
    }
    this.forget();
  }

  /** No HAProxy of ours runs (or it is on its way out): the next apply starts one. */
  private forget(): void {
    this.child = undefined;
    this.pid = null;
    this.structure = undefined;
    this.states = new Map();
  }

  private async apply(services: ProxiedService[], tcpTimeout: number): Promise<void> {
    if (this.stopped) return;
    if (!services.length) {
      if (this.child) this.options.log.info('HAProxy: no service to carry; stopping it (open connections finish)');
      this.softStop();
      return;
    }
    const { text, structure } = haproxyConfig(services, { worker: this.file('haproxy.sock') }, tcpTimeout);
    const states = proxyStates(services);
    if (this.child && structure === this.structure) {
      const commands = stateCommands(this.states, states);
      if (commands.length) await this.runtime(commands);
      this.states = states;
      return;
    }
    // A config HAProxy refuses never replaces the one it runs.
    const candidate = this.file('haproxy.cfg.new');
    await writeNoFollow(candidate, text);
    try {
      await run(this.command, ['-c', '-q', '-f', candidate], { timeoutMs: READY_MS });
    } catch (err) {
      if (err instanceof CommandError && err.exitCode === undefined && /ENOENT/.test(err.message)) {
        throw new Error(`${this.command} is not installed (apt-get install haproxy): the ${services.length} service(s) whose client address is passed on are not carried`, { cause: err });
      }
      throw new Error(`the generated config was refused (${candidate}): ${(err as Error).message}`, { cause: err });
    }
    await rename(candidate, this.file('haproxy.cfg'));
    if (this.child) await this.reload();
    else await this.start();
    this.structure = structure;
    this.states = states;
  }

  private async start(): Promise<void> {
    await this.stopLeftover();
    const master = this.file('haproxy-master.sock');
    // execa is loaded only by a config that proxies: it costs a thread 6 MB (README, "Footprint").
    const { execa } = await import('execa');
    const child = execa(this.command, ['-W', '-db', '-S', `${master},mode,600`, '-p', this.file('haproxy.pid'), '-f', this.file('haproxy.cfg')], {
      reject: false,
      stdin: 'ignore',
      buffer: false,
      // It outlives a stop long enough to finish its connections (soft stop), in a session of its own.
      cleanup: false,
      detached: true,
    });
    this.child = child;
    this.pid = child.pid ?? null;
    for (const stream of [child.stdout, child.stderr]) stream?.setEncoding('utf8').on('data', (chunk: string) => this.relay(chunk));
    void child.then((result) => this.exited(child, result.exitCode, result.signal));
    await this.untilReady((p) => p.workers > 0, 'start');
    this.options.log.info({ pid: this.pid, services: this.wanted.length }, `HAProxy started (pid ${this.pid}): it carries ${this.wanted.length} service(s) whose client address is passed on`);
  }

  private async reload(): Promise<void> {
    const before = parseShowProc(await cli(this.file('haproxy-master.sock'), 'show proc; quit'));
    process.kill(this.pid as number, 'SIGUSR2');
    const after = await this.untilReady((p) => p.reloads > before.reloads || p.failed > before.failed, 'reload');
    if (after.failed > before.failed) throw new Error('HAProxy could not load its new config; it runs the previous one (its log says why)');
    this.reloads += 1;
    this.options.log.info({ services: this.wanted.length }, `HAProxy reloaded: ${this.wanted.length} service(s)`);
  }

  /** Polls the master's CLI until `done` holds (bounded). */
  private async untilReady(done: (p: ReturnType<typeof parseShowProc>) => boolean, what: string): Promise<ReturnType<typeof parseShowProc>> {
    const deadline = Date.now() + READY_MS;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`HAProxy exited during its ${what}`);
      try {
        const p = parseShowProc(await cli(this.file('haproxy-master.sock'), 'show proc; quit'));
        if (p.workers > 0 && done(p)) return p;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`HAProxy did not finish its ${what} within ${READY_MS / 1000} s${last ? ` (${last})` : ''}`);
  }

  /** Runs runtime API commands on the current worker; an answer other than nothing is an error. */
  private async runtime(commands: string[]): Promise<void> {
    const out = await cli(this.file('haproxy-master.sock'), `${commands.map((c) => `@1 ${c}`).join('; ')}; quit`);
    const said = out.split('\n').map((l) => l.trim()).filter(Boolean);
    if (said.length) throw new Error(`the runtime API refused ${commands.join('; ')}: ${said.join(' ')}`);
  }

  /** A HAProxy left running by an earlier tandem (killed before it could stop it) soft-stops. */
  private async stopLeftover(): Promise<void> {
    const pid = Number((await readNoFollow(this.file('haproxy.pid')).catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 1 || !processAlive(pid)) return;
    // Only a HAProxy on this state dir's config: the pid may have been given to another since.
    const argv = (await readNoFollow(`/proc/${pid}/cmdline`).catch(() => '')).split('\0');
    if (!argv.includes(this.file('haproxy.cfg'))) return;
    this.options.log.warn({ pid }, `HAProxy ${pid} was left by an earlier run; it stops taking connections (open ones finish)`);
    process.kill(pid, 'SIGUSR1');
  }

  private relay(chunk: string): void {
    for (const line of chunk.split('\n').filter((l) => l.trim())) {
      if (/\[ALERT\]|<[0-3]>/.test(line)) this.options.log.error({ haproxy: line }, `HAProxy: ${line}`);
      else if (/\[WARNING\]|<4>/.test(line)) this.options.log.warn({ haproxy: line }, `HAProxy: ${line}`);
      else this.options.log.info({ haproxy: line }, `HAProxy: ${line}`);
    }
  }

  private exited(child: ResultPromise, code: number | undefined, signal: string | undefined): void {
    if (this.child !== child) return;
    this.forget();
    if (this.stopped) return;
    this.lastError = `HAProxy exited (${signal ?? `code ${code}`}); starting it again in ${RESTART_MS / 1000} s`;
    this.options.log.error(`HAProxy: ${this.lastError}`);
    this.restartTimer = setTimeout(() => void this.enqueue(), RESTART_MS);
    this.restartTimer.unref();
  }
}
