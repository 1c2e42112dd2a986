import { expect } from 'vitest';

/**
 * What a director-drain drill under load must show: no new connection failed, the drained
 * director carried flows, and every established flow, through it or the others, survived on
 * its real server.
 */
export function expectDrainKeptEveryFlow(r: Record<string, unknown>): void {
  expect(r.newRequests).toMatchObject({ failed: 0 });
  expect(r.onDirector).toBeGreaterThan(0);
  expect(r.survivedOnDirector).toBe(r.onDirector);
  expect(r.survivedElsewhere).toBe(r.elsewhere);
}
