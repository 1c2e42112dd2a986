import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import type { Config } from '../../../src/config/schema.js';
import { parseVip } from '../../../src/config/vip.js';
import type { Vip } from '../../../src/config/vip.js';
import { GraceControl } from '../../../src/daemon/grace-control.js';
import type { TakeoverGrace } from '../../../src/net/takeover-grace.js';

const configWith = (ipvs: string) =>
  parseConfig(
    `auth: none
instances: [{name: VI_1, interface: eth0, vrid: 51, priority: 150, vips: [192.0.2.100/24]}]
${ipvs}
virtual_services: [{protocol: tcp, address: 192.0.2.100, port: 80, real_servers: []}]
`,
    't.yaml',
  ).config;
const VIP = [parseVip('192.0.2.100/24') as Vip];

/** A grace that records its calls; `fail` makes install or open reject. */
function fakeGrace(fail: { install?: string; open?: string } = {}) {
  const calls: string[] = [];
  const grace: TakeoverGrace = {
    configure: async (entries, seconds) => {
      calls.push(`configure ${entries.map((e) => `${e.address}:${e.port}`).join(',')} ${seconds}`);
      if (fail.install) throw new Error(fail.install);
      return { families: [4], command: 'iptables' };
    },
    open: async (addresses) => {
      calls.push(`open ${addresses.join(',')}`);
      if (fail.open) throw new Error(fail.open);
    },
    remove: async () => void calls.push('remove'),
  };
  return { grace, calls };
}

function logged() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as { level: number; msg: string }) });
  return { log, errors: () => lines.filter((l) => l.level >= 50).map((l) => l.msg) };
}

describe('the takeover grace control', () => {
  it('sets the chain up with a sync daemon, opens for the services on the VIPs taken over, follows a reload, removes at stop', async () => {
    const { grace, calls } = fakeGrace();
    let config: Config = configWith('ipvs: {sync_daemon: {interface: eth1}}');
    const control = new GraceControl(grace, logged().log, () => config, false);
    await control.start();
    await control.open(VIP);
    await control.open([parseVip('198.51.100.1/24') as Vip]);
    config = configWith('ipvs: {sync_daemon: {interface: eth1, takeover_grace: 0}}');
    await control.start();
    await control.open(VIP);
    await control.stop();
    expect(calls).toEqual(['configure 192.0.2.100:80 4', 'open 192.0.2.100', 'configure  0', 'remove']);
  });

  it('does nothing without a sync daemon, with a grace of 0, or in a dry run', async () => {
    for (const [ipvs, dryRun] of [['', false], ['ipvs: {sync_daemon: {interface: eth1, takeover_grace: 0}}', false], ['ipvs: {sync_daemon: {interface: eth1}}', true]] as const) {
      const { grace, calls } = fakeGrace();
      const control = new GraceControl(grace, logged().log, () => configWith(ipvs), dryRun);
      await control.start();
      await control.open(VIP);
      await control.stop();
      expect(calls).toEqual([]);
    }
  });

  it('says once what failed and what to do, and never fails a takeover', async () => {
    const refused = fakeGrace({ install: 'iptables: not found' });
    const logs = logged();
    const control = new GraceControl(refused.grace, logs.log, () => configWith('ipvs: {sync_daemon: {interface: eth1}}'), false);
    await control.start();
    await expect(control.open(VIP)).resolves.toBeUndefined();
    expect(refused.calls).toEqual(['configure 192.0.2.100:80 4']);
    expect(logs.errors()).toEqual([expect.stringMatching(/iptables refused the chain TANDEM-GRACE \(iptables: not found\).*Install iptables \(and xt_recent: modprobe xt_recent\), or set ipvs\.sync_daemon\.takeover_grace: 0/)]);

    const failing = fakeGrace({ open: 'ENOENT' });
    const logs2 = logged();
    const control2 = new GraceControl(failing.grace, logs2.log, () => configWith('ipvs: {sync_daemon: {interface: eth1}}'), false);
    await control2.start();
    await expect(control2.open(VIP)).resolves.toBeUndefined();
    await expect(control2.open(VIP)).resolves.toBeUndefined();
    expect(logs2.errors()).toHaveLength(1);
  });
});
