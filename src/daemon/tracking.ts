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
