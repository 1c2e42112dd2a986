/** RFC 5798 section 6.1 timers, in milliseconds, from an advert interval in centiseconds. */
export function skewTimeMs(priority: number, masterAdverIntervalCs: number): number {
  return ((256 - priority) * masterAdverIntervalCs * 10) / 256;
}

export function masterDownIntervalMs(priority: number, masterAdverIntervalCs: number): number {
  return 3 * masterAdverIntervalCs * 10 + skewTimeMs(priority, masterAdverIntervalCs);
}

/** How long a backup peer stays in the candidate list without a word from it. */
export function peerLifetimeMs(intervalCs: number): number {
  return 3 * intervalCs * 10 + 50;
}
