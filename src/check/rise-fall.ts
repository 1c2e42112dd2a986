/**
 * Debounces a stream of pass/fail results: the state flips to down after `fall` failures in a
 * row and back up after `rise` successes in a row. Pure; the caller keeps the value.
 */
export interface RiseFall {
  up: boolean;
  /** Results in a row that disagree with `up`. */
  against: number;
}

export function riseFallStep(s: RiseFall, ok: boolean, rise: number, fall: number): RiseFall {
  if (ok === s.up) return { up: s.up, against: 0 };
  const against = s.against + 1;
  if (against >= (ok ? rise : fall)) return { up: ok, against: 0 };
  return { up: s.up, against };
}
