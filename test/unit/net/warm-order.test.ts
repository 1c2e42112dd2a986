import { describe, expect, it, vi } from 'vitest';
import type * as Child from '../../../src/net/child.js';

// Every process the warm command starts, and every input it writes, in the order they happen.
const log: string[] = [];
vi.mock('../../../src/net/child.js', async (original) => ({
  ...(await original<typeof Child>()),
  start: () => {
    const n = log.filter((l) => l.startsWith('fork')).length + 1;
    log.push(`fork ${n}`);
    let exit: () => void = () => undefined;
    return {
      exit: new Promise((resolve) => (exit = () => resolve({ code: 0, signal: null, stdout: '', stderr: '' }))),
      end: (s: string) => {
        log.push(`input to ${n}: ${s.trim() || '(none)'}`);
        exit();
      },
      kill: () => undefined,
    };
  },
}));

const { REARM_AFTER_MS, WarmCommand } = await import('../../../src/net/warm.js');

describe('warm command, order of work', () => {
  it('gives the waiting process its input, and forks the next one only once the takeover has had its turn', async () => {
    vi.useFakeTimers();
    try {
      const w = new WarmCommand(['ip', '-batch', '-'], { stdinProgram: true });
      w.arm();
      await w.fire('address replace 192.0.2.100/24 dev eth0\n');
      await vi.advanceTimersByTimeAsync(REARM_AFTER_MS - 1);
      expect(log).toEqual(['fork 1', 'input to 1: address replace 192.0.2.100/24 dev eth0']);
      await vi.advanceTimersByTimeAsync(1);
      expect(log.at(-1)).toBe('fork 2');
      w.close();
      expect(log.at(-1)).toBe('input to 2: (none)');
    } finally {
      vi.useRealTimers();
    }
  });

  it('forks at once when fired with none waiting, and a closed one forks no more', async () => {
    log.length = 0;
    vi.useFakeTimers();
    try {
      const w = new WarmCommand(['arping', '-U'], {});
      await w.fire();
      expect(log).toEqual(['fork 1', 'input to 1: (none)']);
      w.close();
      await vi.advanceTimersByTimeAsync(REARM_AFTER_MS * 2);
      expect(log).toEqual(['fork 1', 'input to 1: (none)']);
    } finally {
      vi.useRealTimers();
    }
  });
});
