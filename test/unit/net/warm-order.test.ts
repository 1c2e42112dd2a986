import { describe, expect, it, vi } from 'vitest';

// Every process the warm command starts, and every input it writes, in the order they happen.
const log: string[] = [];
vi.mock('execa', () => ({
  execa: () => {
    const n = log.filter((l) => l.startsWith('fork')).length + 1;
    log.push(`fork ${n}`);
    let exit: (r: { exitCode: number }) => void = () => undefined;
    const child = new Promise<{ exitCode: number }>((resolve) => (exit = resolve)) as Promise<{ exitCode: number }> & { stdin: { end: (s?: string) => void }; then: unknown };
    child.stdin = {
      end: (s?: string) => {
        log.push(`input to ${n}: ${s?.trim() || '(none)'}`);
        exit({ exitCode: 0 });
      },
    };
    return child;
  },
}));

const { WarmCommand } = await import('../../../src/net/warm.js');

describe('warm command, order of work', () => {
  it('gives the waiting process its input before it forks the next one', async () => {
    const w = new WarmCommand(['ip', '-batch', '-'], { stdinProgram: true });
    w.arm();
    await w.fire('address replace 192.0.2.100/24 dev eth0\n');
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['fork 1', 'input to 1: address replace 192.0.2.100/24 dev eth0', 'fork 2']);
    w.close();
    expect(log.at(-1)).toBe('input to 2: (none)');
  });
});
