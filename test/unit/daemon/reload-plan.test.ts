import { describe, expect, it } from 'vitest';
import { diffConfigs } from '../../../src/config/diff.js';
import { parseConfig } from '../../../src/config/parse.js';
import { advertEndpoints } from '../../../src/daemon/endpoints.js';
import { planReload } from '../../../src/daemon/reload-plan.js';

const base = `auth: none
instances:
  - { name: VI_1, interface: eth0, vrid: 51, priority: 150, advert_interval: 0.1, vips: [192.0.2.100/24] }
  - { name: VI_2, interface: eth1, vrid: 52, priority: 150, vips: [198.51.100.1/24], unicast_peers: [198.51.100.3] }
`;
const addresses = (iface: string) => (iface === 'eth0' ? [{ family: 4 as const, address: '192.0.2.1' }] : [{ family: 4 as const, address: '198.51.100.2' }]);
const plan = (edit: (t: string) => string, authChanged: string[] = []) => {
  const [a, b] = [parseConfig(base, 't.yaml').config, parseConfig(edit(base), 't.yaml').config];
  return planReload(b, diffConfigs(a, b), advertEndpoints(b, addresses), authChanged);
};
const kinds = (p: ReturnType<typeof plan>) => p.steps.map((s) => ('name' in s ? `${s.do} ${s.name}` : s.do));

describe('the reload plan', () => {
  it('a VIP added: the sender check first, the instance reconfigured, the ledger rewritten', () => {
    const p = plan((t) => t.replace('vips: [192.0.2.100/24]', 'vips: [192.0.2.100/24, 192.0.2.101/24]'));
    expect(p.refused).toEqual([]);
    expect(kinds(p)).toEqual(['prepare-transport', 'adopt-config', 'reconfigure-instance VI_1', 'watch-links', 'retrack', 'write-ledger', 'release-transport']);
    expect(p.steps[0]).toEqual({ do: 'prepare-transport', sources: ['192.0.2.1', '198.51.100.2'], joinOn: ['192.0.2.1'] });
  });

  it('an interval change restarts the instance: stopped before its successor is created and started', () => {
    const k = kinds(plan((t) => t.replace('advert_interval: 0.1', 'advert_interval: 0.2')));
    expect(k.indexOf('stop-instance VI_1')).toBeLessThan(k.indexOf('create-instance VI_1'));
    expect(k.indexOf('create-instance VI_1')).toBeLessThan(k.indexOf('start-instance VI_1'));
    expect(k).toContain('rebuild-sync-groups');
  });

  it('a changed transport is refused whole, with what to do', () => {
    const p = plan((t) => `${t}transport: { port: 5799 }\n`);
    expect(p.steps).toEqual([]);
    expect(p.refused).toEqual(['transport (port or multicast group) changed: every daemon of the pair must restart together to apply it']);
  });

  it('a new key with the same config text is adopted and said', () => {
    const p = plan((t) => t, ['advert key changed']);
    expect(p.steps).toContainEqual({ do: 'adopt-config', auth: true, garp: false });
    expect(p.summary).toEqual(['advert key changed']);
  });

  it('nothing changed: nothing but the checks of the senders', () => {
    expect(kinds(plan((t) => t))).toEqual(['prepare-transport', 'adopt-config', 'watch-links', 'retrack', 'release-transport']);
  });

  it('a tracked file added, tracked and later moved: started, retracked; a move restarts it and reaches the file checks', () => {
    const withFile = (t: string) => `${t}files:\n  maint: { path: /run/maint }\n`.replace('vips: [192.0.2.100/24] }', 'vips: [192.0.2.100/24], track_files: [maint] }');
    const added = plan(withFile);
    expect(kinds(added)).toEqual(['prepare-transport', 'adopt-config', 'start-file maint', 'reconfigure-instance VI_1', 'watch-links', 'retrack', 'write-ledger', 'release-transport']);
    expect(added.summary).toContain('tracked file maint added');
    const [a, b] = [parseConfig(withFile(base), 't.yaml').config, parseConfig(withFile(base).replace('/run/maint', '/run/other'), 't.yaml').config];
    const moved = planReload(b, diffConfigs(a, b), advertEndpoints(b, addresses));
    expect(moved.steps.map((s) => ('name' in s ? `${s.do} ${s.name}` : s.do))).toEqual(['prepare-transport', 'adopt-config', 'stop-file maint', 'start-file maint', 'watch-links', 'retrack', 'services', 'release-transport']);
  });

  it('a new ipvs.sloppy_tcp is applied with the IPVS options', () => {
    const p = plan((t) => `${t}ipvs: { sloppy_tcp: true }\n`);
    expect(kinds(p)).toContain('ipvs-options');
    expect(p.summary).toContain('ipvs.sloppy_tcp changed');
  });
});
