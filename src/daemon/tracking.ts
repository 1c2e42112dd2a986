/** What tracked things (interfaces, scripts) do to an instance: a priority and a fault list. */
export interface Tracked {
  name: string;
  up: boolean;
  /** Keepalived semantics: >0 adds while up, <0 subtracts while down, 0 means FAULT while down. */
  weight: number;
  /** Why it is down, for the fault list (default: "NAME down"). */
  why?: string;
}

export function trackedEffect(base: number, tracked: Tracked[]): { priority: number; faults: string[] } {
  let priority = base;
  const faults: string[] = [];
  for (const t of tracked) {
    if (t.weight === 0) {
      if (!t.up) faults.push(t.why ?? `${t.name} down`);
    } else if (t.weight > 0 && t.up) {
      priority += t.weight;
    } else if (t.weight < 0 && !t.up) {
      priority += t.weight;
    }
  }
  return { priority, faults };
}

/**
 * In a sync group the members rise and fall together, so a weighted tracked thing of one member
 * weighs on all of them (counted once when several track it). Were it to lower one member only,
 * the others would still outrank the peer's members, take their group back by preemption, and
 * the group would flap between the directors. Faults (weight 0) stay with their member: the
 * sync group turns one member's fault into the group's (pure).
 */
export function groupTracked(own: Map<string, Tracked[]>, groups: string[][]): Map<string, Tracked[]> {
  const out = new Map(own);
  for (const members of groups) {
    const weighted = members.flatMap((name) => (own.get(name) ?? []).filter((t) => t.weight !== 0));
    for (const name of members) {
      const list = [...(own.get(name) ?? [])];
      for (const t of weighted) if (!list.some((mine) => mine.name === t.name)) list.push(t);
      out.set(name, list);
    }
  }
  return out;
}
