import { describe, expect, it } from 'vitest';
import { CommandError } from '../../../src/net/exec.js';
import { WarmCommand } from '../../../src/net/warm.js';

describe('warm command', () => {
  it('runs the argv when fired, and again from a fresh process', async () => {
    const w = new WarmCommand(['sh', '-c', 'exit 0']);
    w.arm();
    await w.fire();
    await w.fire();
    w.close();
  });

  it('reports a failure as a CommandError with the exit code and stderr', async () => {
    const w = new WarmCommand(['sh', '-c', 'echo broken >&2; exit 3']);
    const err = await w.fire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).exitCode).toBe(3);
    expect((err as CommandError).message).toBe('sh -c echo broken >&2; exit 3: exited 3: broken');
    w.close();
  });

  it('feeds input to a program that waits on stdin', async () => {
    const w = new WarmCommand(['sh', '-c', 'read -r x; test "$x" = "address replace"'], { stdinProgram: true });
    await w.fire('address replace\n');
    await expect(w.fire('something else\n')).rejects.toThrow(/exited 1/);
    w.close();
  });

  it('kills a run that outlives its timeout, and refuses to fire once closed', async () => {
    const w = new WarmCommand(['sleep', '5'], { timeoutMs: 100 });
    await expect(w.fire()).rejects.toThrow(/timed out/);
    w.close();
    await expect(w.fire()).rejects.toThrow('sleep: closed');
  });
});
