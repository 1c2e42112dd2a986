/**
 * How often a repeated event is worth a log line (pure, clock passed in): the first of each key
 * at once, then at most one line per interval with the count since the last line. A flood of
 * forged adverts thus says so at once and then once a minute, without drowning the log.
 */
export class LogRateLimit {
  private readonly keys = new Map<string, { loggedAt: number; since: number }>();

  constructor(private readonly intervalMs = 60_000) {}

  /** Counts one event; returns how many to report now (this one included), or 0 for no line. */
  note(key: string, now: number): number {
    const k = this.keys.get(key);
    if (!k) {
      this.keys.set(key, { loggedAt: now, since: 0 });
      return 1;
    }
    k.since += 1;
    if (now - k.loggedAt < this.intervalMs) return 0;
    const count = k.since;
    k.loggedAt = now;
    k.since = 0;
    return count;
  }
}
