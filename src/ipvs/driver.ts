import { CommandError, run } from '../net/exec.js';
import { warmCommand } from '../net/warm.js';
import type { Warm } from '../net/warm.js';
import type { IpvsCommand } from './diff.js';
import type { VirtualService } from './model.js';
import { parseIpvsSave, parseThresholds, withThresholds } from './parse.js';

export type IpvsErrorKind = 'missing' | 'no-ipvs' | 'refused' | 'timeout' | 'failed';

/** An IPVS operation that failed, classified so the log and the status can say what to do. */
export class IpvsError extends Error {
  constructor(
    readonly kind: IpvsErrorKind,
    message: string,
    readonly command?: IpvsCommand,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IpvsError';
  }
}

export function classify(err: unknown, command?: IpvsCommand): IpvsError {
  if (err instanceof IpvsError) return err;
  if (err instanceof CommandError) {
    if (err.timedOut) return new IpvsError('timeout', `ipvsadm timed out: ${err.argv.join(' ')}`, command, { cause: err });
    if (/ENOENT/.test(err.stderr)) return new IpvsError('missing', 'ipvsadm is not installed: apt-get install ipvsadm', command, { cause: err });
    if (/Protocol not available/.test(err.stderr)) {
      return new IpvsError('no-ipvs', 'the kernel has no IPVS (ipvsadm: "Protocol not available"): load ip_vs (modprobe ip_vs) or run on a kernel with it', command, {
        cause: err,
      });
    }
    return new IpvsError('refused', `ipvsadm refused ${command ? command.join(' ') : err.argv.join(' ')}: ${err.stderr.trim() || `exit ${err.exitCode}`}`, command, { cause: err });
  }
  return new IpvsError('failed', String((err as Error).message ?? err), command);
}

/** How the connection sync daemon runs (config ipvs.sync_daemon). */
export interface SyncDaemonOptions {
  interface: string;
  syncId: number;
  /** Largest sync message; undefined leaves the kernel's default (the MTU). */
  maxMessageBytes?: number;
}

/** The seam between the reconciler and the kernel's table. */
export interface IpvsDriver {
  read(): Promise<VirtualService[]>;
  /** Applies the commands in one batch; rejects with IpvsError if any was refused. */
  applyBatch(commands: IpvsCommand[]): Promise<void>;
  /** Lets go of what the driver keeps ready (a waiting process); a later call starts afresh. */
  close?(): void;
  /** How changes reach the kernel, for the status ('netlink', 'ipvsadm'). */
  transport?(): string;
  /** Applies one command on its own (to pinpoint a refused rule). */
  applyOne(command: IpvsCommand): Promise<void>;
  setTimeouts(tcp: number, tcpfin: number, udp: number): Promise<void>;
  startSyncDaemon(state: 'master' | 'backup', options: SyncDaemonOptions): Promise<void>;
  stopSyncDaemon(state: 'master' | 'backup'): Promise<void>;
  /** Running sync daemons, e.g. ['master']. */
  syncDaemons(): Promise<('master' | 'backup')[]>;
}

/**
 * ipvsadm through execa: `-Sn` to read, `-R` with the batch on stdin to apply. The `-R` is forked
 * ahead and waits on its stdin (a warm command), so a health change reaches the kernel without a
 * fork and exec of its own (0.1-0.2 s on a slow kernel; Keepalived speaks netlink).
 */
export class IpvsadmDriver implements IpvsDriver {
  private restore?: Warm;

  transport(): string {
    return 'ipvsadm';
  }

  constructor(private readonly timeoutMs = 30_000) {}

  private async ipvsadm(args: string[], input?: string, command?: IpvsCommand): Promise<string> {
    try {
      return await run('ipvsadm', args, { timeoutMs: this.timeoutMs, input });
    } catch (err) {
      throw classify(err, command);
    }
  }

  async read(): Promise<VirtualService[]> {
    const saved = parseIpvsSave(await this.ipvsadm(['-Sn']));
    if (!saved.some((s) => s.realServers.length)) return saved;
    // -Sn leaves out connection thresholds: read them from the listing.
    return withThresholds(saved, parseThresholds(await this.ipvsadm(['-Ln', '--thresholds'])));
  }

  async applyBatch(commands: IpvsCommand[]): Promise<void> {
    if (!commands.length) return;
    // ipvsadm -R exits 0 even when it refused a line; what it printed on stderr says so.
    const input = `${commands.map((c) => c.join(' ')).join('\n')}\n`;
    let stderr: string;
    try {
      this.restore ??= warmCommand(['ipvsadm', '-R'], { stdinProgram: true, timeoutMs: this.timeoutMs });
      stderr = await this.restore.fire(input);
    } catch (err) {
      throw classify(err);
    }
    if (stderr.trim()) throw new IpvsError('refused', `ipvsadm -R refused part of a batch of ${commands.length}: ${stderr.trim().split('\n')[0]}`);
  }

  close(): void {
    // The waiting ipvsadm -R sees its stdin end and exits without applying anything.
    this.restore?.close();
    this.restore = undefined;
  }

  async applyOne(command: IpvsCommand): Promise<void> {
    await this.ipvsadm(command, undefined, command);
  }

  async setTimeouts(tcp: number, tcpfin: number, udp: number): Promise<void> {
    await this.ipvsadm(['--set', String(tcp), String(tcpfin), String(udp)]);
  }

  async startSyncDaemon(state: 'master' | 'backup', o: SyncDaemonOptions): Promise<void> {
    // The backup keeps the kernel's default (at least 1024): it must take the largest message.
    const maxlen = state === 'master' && o.maxMessageBytes ? ['--sync-maxlen', String(o.maxMessageBytes)] : [];
    await this.ipvsadm(['--start-daemon', state, '--mcast-interface', o.interface, '--syncid', String(o.syncId), ...maxlen]);
  }

  async stopSyncDaemon(state: 'master' | 'backup'): Promise<void> {
    await this.ipvsadm(['--stop-daemon', state]);
  }

  async syncDaemons(): Promise<('master' | 'backup')[]> {
    const out = await this.ipvsadm(['-Ln', '--daemon']);
    return (['master', 'backup'] as const).filter((s) => new RegExp(`^${s} sync daemon`, 'm').test(out));
  }
}
