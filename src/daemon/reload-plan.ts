import type { ConfigDiff } from '../config/diff.js';
import type { Config } from '../config/schema.js';
import type { Endpoints } from './endpoints.js';

/*
 * A reload as a plan (pure): the two configs' difference in, the ordered steps to apply out.
 * Applying a reload is executing its steps in order; nothing else is changed. The only step
 * that can fail on this machine (opening a sender, joining a group) comes first, so a reload
 * either fails before it has changed anything or is applied whole.
 */

export type ReloadStep =
  /** Open the new senders and join the group on new interfaces; fails when one cannot be had. */
  | { do: 'prepare-transport'; sources: string[]; joinOn: string[] }
  /** The new config becomes the running one (auth and garp settings included). */
  | { do: 'adopt-config'; auth: boolean; garp: boolean }
  | { do: 'statics' }
  | { do: 'stop-script'; name: string }
  | { do: 'start-script'; name: string }
  | { do: 'stop-file'; name: string }
  | { do: 'start-file'; name: string }
  /** Graceful stop: priority 0, VIPs released once a successor is heard. */
  | { do: 'stop-instance'; name: string; why: 'removed' | 'restarted' }
  | { do: 'reconfigure-instance'; name: string }
  /** To another interface or source address, state kept: a master's VIPs follow it. */
  | { do: 'move-instance'; name: string; source: string }
  | { do: 'create-instance'; name: string; source: string }
  | { do: 'rebuild-sync-groups' }
  | { do: 'watch-links' }
  | { do: 'retrack' }
  | { do: 'start-instance'; name: string }
  | { do: 'write-ledger' }
  | { do: 'services' }
  | { do: 'ipvs-options' }
  | { do: 'ipvs-timeouts' }
  /** Close the senders and leave the groups the new config does not use. */
  | { do: 'release-transport'; sources: string[]; joinOn: string[] };

export interface ReloadPlan {
  /** Why the running daemon cannot apply the new file; when not empty, nothing is done. */
  refused: string[];
  steps: ReloadStep[];
  /** One line per change, for the log and `tandem reload`. */
  summary: string[];
}

/** Settings only a restart applies: a reload with one of them changed is refused whole. */
const RESTART_ONLY: Record<string, string> = {
  transport: 'transport (port or multicast group) changed: every daemon of the pair must restart together to apply it',
  'ipvs.sync_daemon': 'ipvs.sync_daemon changed: the kernel sync daemon is set at start; restart tandem to apply it',
};

/**
 * `authChanged`: what changed in the advert keys themselves (authChanges: a rotated key file or
 * variable leaves the config's text the same), said in the summary in place of the diff's
 * general line.
 */
export function planReload(next: Config, diff: ConfigDiff, endpoints: Endpoints, authChanged: string[] = []): ReloadPlan {
  const keyChanged = authChanged.length > 0;
  const summary = keyChanged ? [...diff.summary.filter((l) => l !== 'advert authentication changed'), ...authChanged] : diff.summary;
  if (diff.needsRestart.length) return { refused: diff.needsRestart.map((k) => RESTART_ONLY[k] ?? `${k} changed: restart tandem to apply it`), steps: [], summary };

  const { instances, scripts, files } = diff;
  const restarted = instances.restarted.map((c) => c.name);
  const created = [...instances.added, ...restarted];
  const steps: ReloadStep[] = [
    { do: 'prepare-transport', sources: endpoints.sources, joinOn: endpoints.joinOn },
    { do: 'adopt-config', auth: diff.auth || keyChanged, garp: diff.garp },
    ...[...scripts.removed, ...scripts.changed].map((name): ReloadStep => ({ do: 'stop-script', name })),
    ...[...scripts.added, ...scripts.changed].map((name): ReloadStep => ({ do: 'start-script', name })),
    ...[...files.removed, ...files.changed].map((name): ReloadStep => ({ do: 'stop-file', name })),
    ...[...files.added, ...files.changed].map((name): ReloadStep => ({ do: 'start-file', name })),
    ...instances.removed.map((name): ReloadStep => ({ do: 'stop-instance', name, why: 'removed' })),
    ...restarted.map((name): ReloadStep => ({ do: 'stop-instance', name, why: 'restarted' })),
    ...instances.reconfigured.map((c): ReloadStep => ({ do: 'reconfigure-instance', name: c.name })),
    ...instances.moved.map((c): ReloadStep => ({ do: 'move-instance', name: c.name, source: endpoints.byInstance.get(c.name) as string })),
    // In the new config's order, so status lists the instances as the file does.
    ...next.instances.filter((i) => created.includes(i.name)).map((i): ReloadStep => ({ do: 'create-instance', name: i.name, source: endpoints.byInstance.get(i.name) as string })),
  ];
  if (diff.syncGroups || created.length || instances.removed.length) steps.push({ do: 'rebuild-sync-groups' });
  steps.push({ do: 'watch-links' }, { do: 'retrack' });
  for (const i of next.instances) if (created.includes(i.name)) steps.push({ do: 'start-instance', name: i.name });
  if (created.length || instances.removed.length || instances.reconfigured.length || instances.moved.length) steps.push({ do: 'write-ledger' });
  // A file's new path or weight reaches the file checks that read it.
  if (diff.services.length || diff.health || files.changed.length) steps.push({ do: 'services' });
  if (diff.ipvs.some((k) => k === 'exclusive' || k === 'repair_interval' || k === 'sloppy_tcp' || k === 'expire_nodest_conn')) steps.push({ do: 'ipvs-options' });
  if (diff.ipvs.includes('timeouts') && next.ipvs.timeouts) steps.push({ do: 'ipvs-timeouts' });
  if (diff.statics) steps.push({ do: 'statics' });
  steps.push({ do: 'release-transport', sources: endpoints.sources, joinOn: endpoints.joinOn });
  return { refused: [], steps, summary };
}
