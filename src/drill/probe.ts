import http from 'node:http';
import { execa, execaSync } from 'execa';
import type { ResultPromise } from 'execa';

/**
 * The client's view during a drill: `ping` of the VIP every 10 ms by default (each reply
 * timestamped with -D), and optionally HTTP requests through it at a fixed rate. Both bounded
 * in time.
 */
export class PingProbe {
  private output = '';
  private constructor(private readonly child: ResultPromise) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  static start(target: string, maxSeconds: number, everyMs = 10): PingProbe {
    const [file, ...args] = pingCommand(target, maxSeconds, everyMs / 1000);
    return new PingProbe(execa(file as string, args, { reject: false, buffer: false }));
  }

  /** Stops and returns the reply times (epoch ms) and the requests sent and lost. */
  async stop(): Promise<{ replies: number[]; sent: number; lost: number }> {
    this.child.kill('SIGINT');
    await this.child;
    const replies = parsePingReplies(this.output);
    const seqs = new Set(replies.map((r) => r.seq));
    const sent = replies.length ? Math.max(...seqs) : 0;
    return { replies: replies.map((r) => r.at), sent, lost: sent - seqs.size };
  }
}

/**
 * HTTP GETs of one URL every `everyMs`, each failed when not answered within `timeoutMs`, as a
 * client would wait: a connection attempt lost in a failover is retried by TCP after 1 s, 3 s,
 * 7 s... and may still succeed.
 */
export class HttpProbe {
  private timer?: NodeJS.Timeout;
  private readonly pending = new Set<Promise<void>>();
  sent = 0;
  failed = 0;
  /** Failed requests: when they failed and when they were sent (epoch ms), and why. */
  readonly failures: { at: number; sentAt: number; why: string }[] = [];

  constructor(
    private readonly url: string,
    private readonly everyMs: number,
    private readonly timeoutMs = 3000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.once(), this.everyMs);
  }

  private once(): void {
    this.sent += 1;
    const sentAt = Date.now();
    // node:http, one connection per request: lighter than fetch, which matters on a slow client.
    const p = new Promise<void>((resolve, reject) => {
      const req = http.get(this.url, { agent: false, headers: { connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode && res.statusCode < 400 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
        res.on('error', reject);
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer in ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', reject);
      req.on('close', () => clearTimeout(timer));
    }).catch((err: Error) => {
      this.failed += 1;
      this.failures.push({ at: Date.now(), sentAt, why: `${failureReason(err)} (sent ${Date.now() - sentAt} ms before)` });
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.pending);
  }
}

let realtime: boolean | undefined;

/**
 * The argv of a probe pinging `target` every `intervalS` seconds for at most `maxSeconds`. Where
 * the caller may (root), ping runs under SCHED_FIFO: a 10 ms probe on a busy two-core machine is
 * otherwise sometimes scheduled 40 ms late, a gap the network never had.
 */
export function pingCommand(target: string, maxSeconds: number, intervalS = 0.01): string[] {
  realtime ??= execaSync('chrt', ['-f', '1', 'true'], { reject: false }).exitCode === 0;
  const ping = ['ping', '-D', '-n', '-i', String(intervalS), '-W', '1', '-w', String(Math.ceil(maxSeconds)), target];
  return realtime ? ['chrt', '-f', '50', ...ping] : ping;
}

/** A failed request's message with its errno code when the message lacks it ("socket hang up: ECONNRESET"). */
export function failureReason(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code && !err.message.includes(code) ? `${err.message}: ${code}` : err.message;
}

/** The replies in `ping -D` output: their time (epoch ms) and echo sequence number, in order. */
export function parsePingReplies(output: string): { at: number; seq: number }[] {
  return [...output.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from \S+ icmp_seq=(\d+)/gm)].map((m) => ({ at: Number(m[1]) * 1000, seq: Number(m[2]) }));
}

/** The longest time between consecutive replies, ms; 0 with fewer than two. */
export function longestGap(times: number[]): number {
  return Math.max(0, ...replyGaps(times, 0).map(([, gap]) => gap));
}

/** Gaps between consecutive replies longer than `minMs`: [end time, gap] pairs (pure). */
export function replyGaps(times: number[], minMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i] as number) - (times[i - 1] as number);
    if (gap > minMs) out.push([times[i] as number, Math.round(gap)]);
  }
  return out;
}

/**
 * One long-lived HTTP/1.1 connection through the VIP, a request on it every `everyMs`: it
 * survives a failover only if the new master knows the connection (IPVS's sync daemon).
 */
export class ConnectionProbe {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private timer?: NodeJS.Timeout;
  private busy = false;
  private ports = new Set<number>();
  sent = 0;
  failed = 0;
  failures: { at: number; why: string }[] = [];

  constructor(
    private readonly url: string,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.once(), this.everyMs);
  }

  private lastOkAt = Date.now();

  private async once(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.sent += 1;
    const sentAt = Date.now();
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const req = http.get(this.url, { agent: this.agent, timeout: 2000 }, (res) => {
          res.resume();
          res.on('end', () => resolve(req.socket?.localPort ?? 0));
        });
        req.on('timeout', () => req.destroy(new Error('no answer in 2 s')));
        req.on('error', reject);
      });
      this.ports.add(port);
      this.lastOkAt = Date.now();
    } catch (err) {
      this.failed += 1;
      this.failures.push({ at: Date.now(), why: `${failureReason(err as Error)} (sent ${Date.now() - sentAt} ms before, ${sentAt - this.lastOkAt} ms after the last answer)` });
    } finally {
      this.busy = false;
    }
  }

  /** Whether every request succeeded on one and the same connection. */
  survived(): boolean {
    return this.sent > 0 && this.failed === 0 && this.ports.size === 1;
  }

  stop(): void {
    clearInterval(this.timer);
    this.agent.destroy();
  }
}
