import { IpvsError } from '../ipvs/driver.js';
import type { IpvsDriver } from '../ipvs/driver.js';
import type { IpvsCommand } from '../ipvs/diff.js';
import type { VirtualService } from '../ipvs/model.js';
import { realServerId, serviceId } from '../ipvs/model.js';
import { parseCommand } from '../ipvs/command.js';

/** An in-memory IPVS table that understands the commands tandem sends (tests, the simulator). */
export class MemoryIpvs implements IpvsDriver {
  table: VirtualService[] = [];
  refuse = new Set<string>();
  refuseBatches = false;
  readFailure?: IpvsError;
  batches = 0;

  async read(): Promise<VirtualService[]> {
    if (this.readFailure) throw this.readFailure;
    return structuredClone(this.table);
  }
  async applyBatch(commands: IpvsCommand[]): Promise<void> {
    this.batches += 1;
    if (this.refuseBatches) throw new IpvsError('refused', 'ipvsadm -R refused part of a batch');
    for (const c of commands) this.exec(c);
  }
  async applyOne(command: IpvsCommand): Promise<void> {
    if (this.refuse.has(command.join(' '))) throw new IpvsError('refused', `ipvsadm refused ${command.join(' ')}: Numerical result out of range`, command);
    this.exec(command);
  }
  exec(c: IpvsCommand): void {
    const { op, service, server } = parseCommand(c);
    const id = serviceId(service);
    const svc = this.table.find((s) => serviceId(s) === id);
    if (op === '-A') this.table.push(service);
    else if (op === '-E' && svc) Object.assign(svc, { ...service, realServers: svc.realServers });
    else if (op === '-D') this.table = this.table.filter((s) => serviceId(s) !== id);
    else if (svc && server && (op === '-a' || op === '-e')) svc.realServers = [...svc.realServers.filter((r) => realServerId(r) !== realServerId(server)), server];
    else if (svc && server && op === '-d') svc.realServers = svc.realServers.filter((r) => realServerId(r) !== realServerId(server));
  }
  async setTimeouts(): Promise<void> {}
  async startSyncDaemon(): Promise<void> {}
  async stopSyncDaemon(): Promise<void> {}
  async syncDaemons(): Promise<('master' | 'backup')[]> {
    return [];
  }
}
