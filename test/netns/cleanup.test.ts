import { describe, expect, it } from 'vitest';
import { withDirectorLab } from '../support/director-lab.js';
import { TANDEM, VIP, pairConfig } from '../support/pair.js';

/* The systemd unit's ExecStopPost: after a SIGKILL, `tandem cleanup` removes the VIPs left. */
describe('tandem cleanup', () => {
  const ctx = withDirectorLab();
  const cleanup = () => ctx.lab.exec('dir1', [process.execPath, TANDEM, 'cleanup', '--config', ctx.nodes.configFile('dir1'), '--state-dir', ctx.nodes.stateDir('dir1')]);

  it('refuses while the daemon runs, and removes the VIPs a killed one left', async () => {
    await ctx.nodes.start('dir1', pairConfig({ priority: 150 }));
    await ctx.nodes.waitState('dir1', 'MASTER');
    await expect(cleanup()).rejects.toThrow(/tandem runs with pid \d+ .* stop it first/);
    expect(await ctx.lab.addresses('dir1')).toContain(`${VIP}/24`);
    await ctx.nodes.kill('dir1', 'SIGKILL');
    expect(await ctx.lab.addresses('dir1')).toContain(`${VIP}/24`);
    expect(await cleanup()).toBe(`removed from eth0: ${VIP}/24`);
    expect(await ctx.lab.addresses('dir1')).not.toContain(`${VIP}/24`);
    expect(await cleanup()).toBe('no VIP left behind');
  });
});
