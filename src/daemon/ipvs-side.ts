import { writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { classify } from '../ipvs/driver.js';
import type { IpvsDriver } from '../ipvs/driver.js';
import type { VirtualService } from '../ipvs/model.js';
import { Reconciler } from '../ipvs/reconciler.js';
import type { IpvsStatus } from '../ipvs/reconciler.js';
import { SyncDaemonControl } from '../ipvs/sync-daemon.js';
import { fullNatEntries } from '../ipvs/fullnat.js';
import type { FullNat } from '../net/fullnat.js';

/** The IPVS settings the config may set in /proc/sys/net/ipv4/vs (left alone when unset). */
const SYSCTLS = ['sloppy_tcp', 'expire_nodest_conn'] as const;

/** Full NAT's source NAT as status shows it. */
export interface FullNatStatus {
  /** The iptables command that holds the rules (null before any fullnat server). */
  command: string | null;
  rules: number;
  /** Fullnat real servers this host has no route to: they get no source NAT. */
  unrouted: string[];
  error: string | null;
}

/** Whether a config gives IPVS anything to do: services, connection timeouts or the sync daemon. */
export function wantsIpvs(config: Config): boolean {
  return config.virtual_services.length > 0 || config.ipvs.timeouts !== undefined || config.ipvs.sync_daemon !== undefined;
}

/**
 * This director's side of IPVS: the connection timeouts, the sync daemon (both roles) and the
 * table kept equal to the desired one. Both directors keep it whatever their VRRP state.
 */
export class IpvsSide {
  private reconciler?: Reconciler;
  private syncDaemon?: SyncDaemonControl;
  /** The last desired table handed over, settled once it is in the kernel (or printed). */
  private applied: Promise<void> = Promise.resolve();
  private fullnatStatus: FullNatStatus = { command: null, rules: 0, unrouted: [], error: null };
  /** NAT services while the kernel does not forward (checkForwarding). */
  private forwardingOff = false;

  constructor(
    private readonly driver: IpvsDriver,
    private readonly deps: { log: Logger; clock: Clock; dryRun: boolean; fullnat?: FullNat; forwarding?: () => Promise<boolean> },
  ) {}

  get active(): boolean {
    return this.reconciler !== undefined;
  }

  /** Starts what the config asks for; the first table is in the kernel (or retrying) on return. */
  async start(config: Config, table: VirtualService[]): Promise<void> {
    const { ipvs } = config;
    if (this.reconciler || !wantsIpvs(config)) return;
    const { dryRun, clock } = this.deps;
    if (ipvs.timeouts && !dryRun) await this.setTimeouts(config);
    if (ipvs.sync_daemon && !dryRun) {
      const { interface: iface, sync_id: syncId, max_message_bytes: maxMessageBytes } = ipvs.sync_daemon;
      this.syncDaemon = new SyncDaemonControl(this.driver, { interface: iface, syncId, maxMessageBytes }, this.deps.log);
      await this.syncDaemon.start();
    }
    this.reconciler = new Reconciler(this.driver, { exclusive: ipvs.exclusive, repairIntervalMs: ipvs.repair_interval * 1000, dryRun, log: this.deps.log, clock });
    await this.setTable(table);
    // After the first table: ipvsadm has loaded ip_vs, whose /proc/sys/net/ipv4/vs these write.
    await this.setSysctls(config);
    await this.setFullNat(config);
  }

  /**
   * Full NAT's source NAT rules follow the config (at start and at each reload of the
   * services). A failure is logged and kept in status; the IPVS table is in place regardless
   * (its fullnat servers answer only clients their routes reach).
   */
  async setFullNat(config: Config): Promise<void> {
    const { fullnat, dryRun, log } = this.deps;
    if (dryRun) return;
    await this.checkForwarding(config);
    if (!fullnat) return;
    const entries = fullNatEntries(config.virtual_services);
    try {
      const { command, rules, unrouted } = await fullnat.configure(entries);
      if (rules !== this.fullnatStatus.rules || this.fullnatStatus.error) log.info({ command, rules }, `full NAT: ${rules} source NAT rule(s) through ${command ?? 'nothing'}`);
      if (unrouted.length) log.error({ unrouted }, `full NAT: no route to ${unrouted.join(', ')}: no source NAT for them; add a route and reload`);
      this.fullnatStatus = { command, rules, unrouted, error: null };
    } catch (err) {
      const message = (err as Error).message;
      this.fullnatStatus = { ...this.fullnatStatus, error: message };
      log.error({ rules: entries.length }, `full NAT: ${message}`);
    }
  }

  /**
   * NAT and full NAT send the real servers' replies on to the clients: with
   * net.ipv4.ip_forward at 0 the kernel drops them, and every connection hangs in SYN_RECV
   * while the table looks right. Said in the log and in status (at start and each reload).
   */
  private async checkForwarding(config: Config): Promise<void> {
    const masq = (rs: { method: string } | undefined) => rs?.method === 'nat' || rs?.method === 'fullnat';
    const nat = config.virtual_services.some((vs) => vs.real_servers.some(masq) || masq(vs.sorry_server));
    const forwarding = nat && this.deps.forwarding ? await this.deps.forwarding() : true;
    this.forwardingOff = !forwarding;
    if (!forwarding) this.deps.log.error('IPVS: NAT services, but net.ipv4.ip_forward is 0: the real servers\' replies are dropped; set it to 1 (sysctl -w net.ipv4.ip_forward=1, and in /etc/sysctl.d/)');
  }

  /** A new desired table; resolves when it is applied. Ignored before start. */
  setTable(table: VirtualService[]): Promise<void> {
    if (this.reconciler) this.applied = this.reconciler.setDesired(table);
    return this.applied;
  }

  /** Waits for the last table handed over to be applied. */
  settled(): Promise<void> {
    return this.applied;
  }

  setOptions(config: Config): void {
    this.reconciler?.setOptions({ exclusive: config.ipvs.exclusive, repairIntervalMs: config.ipvs.repair_interval * 1000 });
    void this.reconciler?.reconcile();
    void this.setSysctls(config);
  }

  /** ipvs.sloppy_tcp and ipvs.expire_nodest_conn into the kernel. */
  async setSysctls(config: Config): Promise<void> {
    if (this.deps.dryRun) return;
    for (const key of SYSCTLS) {
      const on = config.ipvs[key];
      if (on === undefined) continue;
      const file = `/proc/sys/net/ipv4/vs/${key}`;
      await writeFile(file, on ? '1\n' : '0\n').then(
        () => this.deps.log.info(`IPVS: ${key} ${on ? 'on' : 'off'}`),
        (err: Error) => this.deps.log.error(`IPVS: cannot set ${key} (${file}): ${err.message}`),
      );
    }
  }

  async setTimeouts(config: Config): Promise<void> {
    const t = config.ipvs.timeouts;
    if (!t || this.deps.dryRun) return;
    await this.driver.setTimeouts(t.tcp, t.tcpfin, t.udp).catch((err: unknown) => this.deps.log.error(`IPVS timeouts: ${classify(err).message}`));
  }

  reconcile(): Promise<IpvsStatus> {
    if (!this.reconciler) return Promise.reject(new Error('no virtual_services in the config'));
    const r = this.reconciler;
    return r.reconcile().then(() => r.status());
  }

  status(): (IpvsStatus & { syncDaemon: string | null; fullnat: FullNatStatus; warning?: string }) | null {
    return this.reconciler
      ? { ...this.reconciler.status(), syncDaemon: this.syncDaemon?.roles.join('+') || null, fullnat: this.fullnatStatus, ...(this.forwardingOff ? { warning: 'NAT services, but net.ipv4.ip_forward is 0: their replies are dropped' } : {}) }
      : null;
  }

  async stop(): Promise<void> {
    this.reconciler?.stop();
    await this.syncDaemon?.stop();
  }
}
