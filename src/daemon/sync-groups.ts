import type { SyncGroupConfig } from '../config/schema.js';
import type { Logger } from 'pino';
import type { VrrpState } from '../vrrp/machine.js';
import type { InstanceRunner } from './instance.js';

/**
 * Makes the members of a sync group change state together, as Keepalived's vrrp_sync_group:
 * one becomes MASTER, all do; one falls back to BACKUP, all do; one has a fault of its own,
 * all go to FAULT until it clears. Forced changes run after the current step has finished.
 */
export interface Group {
  name: string;
  members: InstanceRunner[];
  notify: SyncGroupConfig['notify'];
  alert: boolean;
  /** The state the group's hooks last announced. */
  state?: VrrpState;
}

export class SyncGroups {
  private readonly groupOf = new Map<string, Group>();

  constructor(
    groups: SyncGroupConfig[],
    runners: Map<string, InstanceRunner>,
    private readonly hooks?: { run: (argv: string[], log: Logger) => void; alert?: (group: Group, to: VrrpState) => void; log: Logger },
  ) {
    for (const g of groups) {
      const entry: Group = { name: g.name, members: g.instances.map((n) => runners.get(n) as InstanceRunner), notify: g.notify, alert: g.alert };
      entry.state = entry.members[0]?.state;
      for (const n of g.instances) this.groupOf.set(n, entry);
    }
  }

  onTransition(runner: InstanceRunner, from: VrrpState, to: VrrpState): void {
    const group = this.groupOf.get(runner.name);
    if (!group) return;
    this.notify(group, to);
    const reason = `sync group ${group.name}: ${runner.name} ${from} -> ${to}`;
    const others = group.members.filter((m) => m !== runner);
    if (to === 'MASTER') queueMicrotask(() => others.forEach((m) => m.force('MASTER', reason)));
    if (to === 'BACKUP' && from === 'MASTER') queueMicrotask(() => others.forEach((m) => m.force('BACKUP', reason)));
  }

  /** The group's hooks run once per group state: on the first member to reach it. */
  private notify(group: Group, to: VrrpState): void {
    if (!this.hooks || to === 'INIT' || group.state === to) return;
    group.state = to;
    const hook = group.notify[({ MASTER: 'master', BACKUP: 'backup', FAULT: 'fault' } as const)[to]];
    const log = this.hooks.log.child({ group: group.name });
    if (hook) this.hooks.run(hook, log);
    if (group.notify.any) this.hooks.run([...group.notify.any, 'GROUP', group.name, to], log);
    this.hooks.alert?.(group, to);
  }

  /**
   * Why `runner` may not take over by its own master down timer: another member follows a
   * live master. The group is where that master is; taking over would pull the member away
   * and it would fall back at the master's next advert, over and over (Keepalived's rule too).
   */
  holdFor(runner: InstanceRunner): string | undefined {
    const group = this.groupOf.get(runner.name);
    const other = group?.members.find((m) => m !== runner && m.following !== undefined);
    return other && group ? `sync group ${group.name}: ${other.name} follows master ${other.following}` : undefined;
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
