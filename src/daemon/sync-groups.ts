import type { SyncGroupConfig } from '../config/schema.js';
import type { VrrpState } from '../vrrp/machine.js';
import type { InstanceRunner } from './instance.js';

/**
 * Makes the members of a sync group change state together, as Keepalived's vrrp_sync_group:
 * one becomes MASTER, all do; one falls back to BACKUP, all do; one has a fault of its own,
 * all go to FAULT until it clears. Forced changes run after the current step has finished.
 */
export class SyncGroups {
  private readonly groupOf = new Map<string, { name: string; members: InstanceRunner[] }>();

  constructor(groups: SyncGroupConfig[], runners: Map<string, InstanceRunner>) {
    for (const g of groups) {
      const entry = { name: g.name, members: g.instances.map((n) => runners.get(n) as InstanceRunner) };
      for (const n of g.instances) this.groupOf.set(n, entry);
    }
  }

  onTransition(runner: InstanceRunner, from: VrrpState, to: VrrpState): void {
    const group = this.groupOf.get(runner.name);
    if (!group) return;
    const reason = `sync group ${group.name}: ${runner.name} ${from} -> ${to}`;
    const others = group.members.filter((m) => m !== runner);
    if (to === 'MASTER') queueMicrotask(() => others.forEach((m) => m.force('MASTER', reason)));
    if (to === 'BACKUP' && from === 'MASTER') queueMicrotask(() => others.forEach((m) => m.force('BACKUP', reason)));
  }

  /** Call when a member's own faults (links, scripts) changed. */
  onFaultsChanged(runner: InstanceRunner): void {
    const group = this.groupOf.get(runner.name);
    if (!group) return;
    for (const member of group.members) {
      const imposed = group.members
        .filter((other) => other !== member && other.ownFaults().length > 0)
        .map((other) => `sync group ${group.name}: ${other.name} in FAULT`);
      member.setFaults('sync-group', imposed);
    }
  }
}
