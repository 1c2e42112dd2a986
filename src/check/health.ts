import type { RiseFall } from './rise-fall.js';
import { riseFallStep } from './rise-fall.js';
import type { CheckResult } from './types.js';

/** One real server's health as its checks have judged it (pure values). */
export interface Health extends RiseFall {
  /** A weight the check set (dynamic script checks); kept until the check sets another. */
  weight?: number;
  last: CheckResult | null;
  /** When `up` last flipped (ISO), or null when it never has. */
  lastChange: string | null;
  checks: number;
  failures: number;
}

/** `down` starts one success short of up, so the first good check brings the server in. */
export function initialHealth(initially: 'up' | 'down', rise: number): Health {
  const up = initially === 'up';
  return { up, against: up ? 0 : rise - 1, last: null, lastChange: null, checks: 0, failures: 0 };
}

/** Folds one result in; `changed` says the table must follow (up flipped, or a new weight while up). */
export function applyResult(h: Health, result: CheckResult, rise: number, fall: number): { health: Health; changed: boolean } {
  const rf = riseFallStep(h, result.ok, rise, fall);
  const weight = result.ok && result.weight !== undefined ? result.weight : h.weight;
  const flipped = rf.up !== h.up;
  const health: Health = {
    ...rf,
    weight,
    last: result,
    lastChange: flipped ? result.at : h.lastChange,
    checks: h.checks + 1,
    failures: h.failures + (result.ok ? 0 : 1),
  };
  return { health, changed: flipped || (rf.up && weight !== h.weight) };
}
