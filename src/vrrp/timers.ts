/** RFC 5798 section 6.1 timers, in milliseconds, from an advert interval in centiseconds. */
export function skewTimeMs(priority: number, masterAdverIntervalCs: number): number {
  return ((256 - priority) * masterAdverIntervalCs * 10) / 256;
}

/** How long a backup peer stays in the candidate list without a word from it. */
export function peerLifetimeMs(intervalCs: number): number {
  return 3 * intervalCs * 10 + 50;
}
