import { describe, expect, it } from 'vitest';
import { processAlive } from '../../../src/net/process.js';
import { spawn } from '../../support/programs.js';

describe('processAlive', () => {
  it('is true for a running process, false for none and for a zombie', async () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 22 + 7)).toBe(false);
    // `sleep 0.1` exits under a parent (`exec sleep 3`) that never waits for it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 3'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((resolve) => parent.stdout?.once('data', (d: Buffer) => resolve(d.toString()))));
    try {
      await new Promise((r) => setTimeout(r, 500));
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(processAlive(pid)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
