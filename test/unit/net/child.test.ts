import { describe, expect, it } from 'vitest';
import { start, stderrOf } from '../../../src/net/child.js';

describe('a child process', () => {
  it('is killed once it writes more than the daemon keeps, and says so', async () => {
    const exit = await start('yes', [], { stdin: 'ignore', stdout: true, maxOutputChars: 2 ** 20 }).exit;
    expect([exit.overflowed, exit.stdout.length <= 2 ** 20]).toEqual([2 ** 20, true]);
    expect(stderrOf(exit)).toBe('killed: it wrote more than 1 MB');
  });

  it('names the signal that ended one that said nothing', async () => {
    const started = start('sleep', ['5'], { stdin: 'ignore' });
    started.kill('SIGTERM');
    const exit = await started.exit;
    expect([exit.code, exit.signal, stderrOf(exit)]).toEqual([null, 'SIGTERM', 'killed by SIGTERM']);
  });

  it('reports a spawn that never ran, also one refused outright', async () => {
    const refused = await start('echo', ['a\0b'], { stdin: 'ignore' }).exit;
    expect(refused.error?.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(stderrOf(refused)).toMatch(/^ERR_INVALID_ARG_VALUE: /);
  });
});
