/**
 * Whether a failed server of this service keeps its place in the kernel's list at weight 0
 * instead of leaving it. IPVS's Maglev table (mh) depends on the order of that list, and a
 * server added again goes to its head: a director that saw a flap the others did not would pick
 * other real servers than theirs for some flows, and a flow moved between directors would
 * break. At weight 0 the table stays as it was (the kernel builds it from each server's last
 * non-zero weight) and mh-fallback sends the failed server's flows, and only those, to the
 * server its rehash picks: the same on every director. Without mh-fallback a flow hashed to a
 * server at weight 0 finds no destination, so the server leaves the list instead.
 */
export function keepsPlaceOnFailure(vs: { scheduler: string; scheduler_flags: readonly string[] }): boolean {
  // flag-1 is the same bit as mh-fallback (IP_VS_SVC_F_SCHED1).
  return vs.scheduler === 'mh' && (vs.scheduler_flags.includes('mh-fallback') || vs.scheduler_flags.includes('flag-1'));
}
