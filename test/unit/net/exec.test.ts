import { describe, expect, it } from 'vitest';
import { CommandError, runHere } from '../../../src/net/exec.js';

const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('the run succeeded'), (err: unknown) => err as CommandError);

describe('running a command in this thread', () => {
  it('returns stdout and stderr without their final newline, with input and the environment added to', async () => {
    const out = await runHere('sh', ['-c', 'read -r x; echo "$x $FOO $HOME"; echo warn >&2'], { input: 'hi\n', env: { FOO: 'there' } });
    expect(out).toEqual({ stdout: `hi there ${process.env.HOME ?? ''}`, stderr: 'warn' });
  });

  it('keeps inner newlines and takes only the last one off', async () => {
    expect((await runHere('printf', ['a\\n\\nb\\n\\n'])).stdout).toBe('a\n\nb\n');
  });

  it('fails with the exit code and stderr', async () => {
    const err = await failure(runHere('sh', ['-c', 'echo broken >&2; exit 3']));
    expect(err).toBeInstanceOf(CommandError);
    expect([err.exitCode, err.stderr, err.timedOut, err.message]).toEqual([3, 'broken', false, 'sh -c echo broken >&2; exit 3: exited 3: broken']);
  });

  it('says why a program could not start', async () => {
    const err = await failure(runHere('/nonexistent/tandem-no-such-program', ['x']));
    expect([err.exitCode, err.timedOut]).toEqual([undefined, false]);
    expect(err.stderr).toMatch(/^ENOENT: /);
    expect(err.message).toMatch(/^\/nonexistent\/tandem-no-such-program x: failed: ENOENT/);
  });

  it('does not mind a program that exits without reading its input', async () => {
    expect((await runHere('true', [], { input: 'x'.repeat(1 << 20) })).stdout).toBe('');
  });

  it('kills a run at its timeout, with SIGKILL a second later when SIGTERM is ignored', async () => {
    const started = Date.now();
    const err = await failure(runHere('sh', ['-c', "trap '' TERM; while :; do sleep 0.1; done"], { timeoutMs: 100 }));
    expect([err.timedOut, err.exitCode]).toEqual([true, undefined]);
    // Bounded, not timed: the SIGKILL came, where the script would never end.
    expect(Date.now() - started).toBeLessThan(9000);
  });

  it('kills a run when the caller aborts, also one aborted before it started', async () => {
    const abort = new AbortController();
    const running = failure(runHere('sleep', ['5'], { signal: abort.signal }));
    setTimeout(() => abort.abort(), 50);
    expect((await running).timedOut).toBe(false);
    expect((await failure(runHere('sleep', ['5'], { signal: AbortSignal.abort() }))).message).toBe('sleep 5: failed: killed by SIGTERM');
  });

  it('in a group of its own, kills the children that hold its output open', async () => {
    const started = Date.now();
    // The shell exits at once; its background child keeps stdout open for 5 s.
    const err = await failure(runHere('sh', ['-c', 'sleep 5 & echo started'], { group: true, timeoutMs: 200 }));
    expect(err.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
