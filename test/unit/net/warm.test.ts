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

  it('returns what a successful run wrote on stderr (ipvsadm -R exits 0 on a refused line), and says why a program could not start', async () => {
    const w = new WarmCommand(['sh', '-c', 'cat >/dev/null; echo "line 2 refused" >&2'], { stdinProgram: true });
    expect(await w.fire('a\nb\n')).toBe('line 2 refused');
    w.close();
    const missing = new WarmCommand(['/nonexistent/tandem-no-such-program'], { stdinProgram: true });
    const err = await missing.fire('x\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).stderr).toMatch(/^ENOENT: /);
    missing.close();
  });

  it('kills a run that outlives its timeout, and refuses to fire once closed', async () => {
    const w = new WarmCommand(['sleep', '5'], { timeoutMs: 100 });
    await expect(w.fire()).rejects.toThrow(/timed out/);
    w.close();
    await expect(w.fire()).rejects.toThrow('sleep: closed');
  });
});
