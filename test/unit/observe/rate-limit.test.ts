import { describe, expect, it } from 'vitest';
import { LogRateLimit } from '../../../src/observe/rate-limit.js';

describe('log rate limit', () => {
  it('reports the first event of a key at once, then a count at most once per interval', () => {
    const limit = new LogRateLimit(60_000);
    expect(limit.note('bad-hmac 192.0.2.66', 0)).toBe(1);
    expect(limit.note('bad-hmac 192.0.2.66', 10)).toBe(0);
    expect(limit.note('bad-hmac 192.0.2.66', 59_999)).toBe(0);
    // Another key is news of its own.
    expect(limit.note('replay 192.0.2.2', 100)).toBe(1);
    // A minute after the first line: the two held back and this one.
    expect(limit.note('bad-hmac 192.0.2.66', 60_000)).toBe(3);
    expect(limit.note('bad-hmac 192.0.2.66', 60_001)).toBe(0);
    expect(limit.note('bad-hmac 192.0.2.66', 120_000)).toBe(2);
  });
});
