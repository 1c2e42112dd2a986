/*
 * When checks run (pure). Start times are spread evenly over the first interval so a thousand
 * servers are not checked in one burst; a warm-up adds a random delay on top. After a failure
 * that has not yet taken the server out, the next check comes after `retry_delay`
 * (Keepalived's delay_before_retry); otherwise one interval after the last one started.
 */

export interface Timing {
  intervalMs: number;
  timeoutMs: number;
  retryDelayMs: number;
  warmupMs: number;
}

/** Delay of the first check of the `index`-th of `count` checks; `random` in [0, 1). */
export function firstDelayMs(index: number, count: number, t: Timing, random: number): number {
  const spread = count > 1 ? (index / count) * t.intervalMs : 0;
  return Math.round(spread + random * t.warmupMs);
}

/**
 * Delay from now to the next check. `retrying`: the last check failed and the server is still
 * counted up (the failure streak has not reached `fall`).
 */
export function nextDelayMs(t: Timing, startedAt: number, now: number, retrying: boolean): number {
  if (retrying) return t.retryDelayMs;
  return Math.max(0, startedAt + t.intervalMs - now);
}
