import { afterAll, describe, expect, it } from 'vitest';
import type * as Exec from '../../../src/net/exec.js';
import type { CommandError } from '../../../src/net/exec.js';
import type * as Thread from '../../../src/net/exec-thread.js';
import type * as WarmModule from '../../../src/net/warm.js';

/*
 * A worker thread runs JavaScript only: the exec thread, and the modules whose commands it
 * runs, are the built ones (dist/, which `npm run build` makes before the tests), as in the
 * daemon.
 */
const load = async (name: string): Promise<object> => (await import(new URL(`../../../dist/net/${name}.js`, import.meta.url).href)) as object;
const built = { ...(await load('exec')), ...(await load('exec-thread')), ...(await load('warm')) } as typeof Exec & typeof Thread & typeof WarmModule;
const { run: builtRun, warmCommand: builtWarm } = built;

describe('the exec thread', () => {
  const crashes: Error[] = [];
  const thread = new built.ExecThread((err) => crashes.push(err)).install();
  afterAll(async () => {
    await thread.stop();
    built.setRunner(built.runHere);
    built.setWarmMaker((argv, options) => new built.WarmCommand(argv, options));
  });

  it('runs commands there, with their output, input and environment', async () => {
    expect(await builtRun('sh', ['-c', 'read -r x; echo "$x $FOO"'], { input: 'hello\n', env: { FOO: 'there' } })).toBe('hello there');
  });

  it('returns a failure as a CommandError with its exit code and stderr', async () => {
    const err = (await builtRun('sh', ['-c', 'echo broken >&2; exit 3']).catch((e: unknown) => e)) as CommandError;
    expect(err.name).toBe('CommandError');
    expect([err.exitCode, err.stderr, err.timedOut]).toEqual([3, 'broken', false]);
  });

  it('kills a run when the caller aborts, and one that outlives its timeout', async () => {
    const abort = new AbortController();
    const running = builtRun('sleep', ['5'], { signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await expect(running).rejects.toThrow(/sleep 5/);
    await expect(builtRun('sleep', ['5'], { timeoutMs: 100 })).rejects.toThrow(/timed out/);
  });

  it('fires warm commands there: input in, failures out, closed is closed', async () => {
    const w = builtWarm(['sh', '-c', 'read -r x; test "$x" = "address replace"'], { stdinProgram: true });
    w.arm();
    await w.fire('address replace\n');
    await expect(w.fire('something else\n')).rejects.toThrow(/exited 1/);
    w.close();
    await expect(w.fire('address replace\n')).rejects.toThrow('sh: closed');
    expect(crashes).toEqual([]);
  });
});
