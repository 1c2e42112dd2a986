import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { IpvsError } from '../../../src/ipvs/driver.js';
import type { VirtualService } from '../../../src/ipvs/model.js';
import { realServerId } from '../../../src/ipvs/model.js';
import { Reconciler } from '../../../src/ipvs/reconciler.js';
import { MemoryIpvs as FakeIpvs } from '../../../src/sim/ipvs-kernel.js';

const rs = (last: number, lower = 0) => ({ address: `198.51.100.${last}`, port: 80, method: 'masq' as const, weight: 1, upper: 0, lower });
const web: VirtualService = { protocol: 'tcp', address: '192.0.2.100', port: 80, family: 4, scheduler: 'wlc', flags: [], realServers: [rs(1), rs(2)] };
const log = pino({ level: 'silent' });
const options = { exclusive: false, repairIntervalMs: 3_600_000, dryRun: false, log };

describe('reconciler', () => {
  it('lets its driver go at stop (a waiting ipvsadm -R exits)', async () => {
    const ipvs = new FakeIpvs();
    let closed = 0;
    const r = new Reconciler(Object.assign(ipvs, { close: () => void closed++ }), options);
    await r.setDesired([web]);
    expect(closed).toBe(0);
    r.stop();
    expect(closed).toBe(1);
  });

  it('applies the difference in one batch and then has nothing to do', async () => {
    const ipvs = new FakeIpvs();
    const r = new Reconciler(ipvs, options);
    await r.setDesired([web]);
    await r.reconcile();
    r.stop();
    expect(ipvs.batches).toBe(1);
    expect(r.status()).toMatchObject({ operations: 3, batches: 1, driftRepairs: 0, lastError: null });
    expect(r.status().services).toEqual([{ service: '-t 192.0.2.100:80', desired: ['198.51.100.1:80 w1', '198.51.100.2:80 w1'], actual: ['198.51.100.1:80 w1', '198.51.100.2:80 w1'], inSync: true }]);
  });

  it('applies a change of the desired table without reading the table it already knows', async () => {
    const ipvs = new FakeIpvs();
    let reads = 0;
    const read = ipvs.read.bind(ipvs);
    ipvs.read = () => {
      reads += 1;
      return read();
    };
    const r = new Reconciler(ipvs, options);
    await r.setDesired([web]);
    expect(reads).toBe(2); // the first pass reads before and after its batch
    await r.setDesired([{ ...web, realServers: [rs(1)] }]);
    await r.setDesired([web]);
    expect(reads).toBe(2);
    expect(ipvs.batches).toBe(3);
    expect(ipvs.table[0]?.realServers.map(realServerId)).toEqual(['198.51.100.1:80', '198.51.100.2:80']);
    // Someone removed a server behind our back: the next change's batch is refused, then redone from a fresh read.
    ipvs.table = [{ ...web, realServers: [rs(2)] }];
    await r.setDesired([{ ...web, realServers: [rs(2)] }]);
    r.stop();
    expect(ipvs.table[0]?.realServers.map(realServerId)).toEqual(['198.51.100.2:80']);
    expect(r.status().lastError).toBeNull();
  });

  it('a table set while a pass runs is applied by the next pass, not taken as done', async () => {
    const ipvs = new FakeIpvs();
    const r = new Reconciler(ipvs, options);
    await r.setDesired([web]);
    // Each batch waits until the test lets it go.
    const applyBatch = ipvs.applyBatch.bind(ipvs);
    const gates: (() => void)[] = [];
    ipvs.applyBatch = async (commands) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return applyBatch(commands);
    };
    const settled = new Set<string>();
    const first = r.setDesired([{ ...web, realServers: [rs(1)] }]).then(() => settled.add('first'));
    const second = r.setDesired([{ ...web, realServers: [rs(1), rs(2), rs(3)] }]).then(() => settled.add('second'));
    const until = async (n: number) => {
      for (let i = 0; i < 100 && gates.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 1));
    };
    await until(1);
    gates[0]?.();
    await first;
    // The second table is the queued pass's (the repair timer is an hour away): not settled
    // while that pass's batch waits (what a reload and a health change's log line wait for).
    await until(2);
    expect(settled).toEqual(new Set(['first']));
    gates[1]?.();
    await second;
    r.stop();
    expect(ipvs.table[0]?.realServers.map(realServerId)).toEqual(['198.51.100.1:80', '198.51.100.2:80', '198.51.100.3:80']);
  });

  it('counts a repair when the table drifts while the config holds', async () => {
    const ipvs = new FakeIpvs();
    const r = new Reconciler(ipvs, options);
    await r.setDesired([web]);
    ipvs.table = [];
    await r.reconcile();
    await r.setDesired([{ ...web, realServers: [rs(1)] }]);
    r.stop();
    expect(r.status().driftRepairs).toBe(1);
  });

  it('when a batch is refused, applies the rest one by one and names the refused rule', async () => {
    const ipvs = new FakeIpvs();
    ipvs.refuseBatches = true;
    ipvs.refuse.add('-a -t 192.0.2.100:80 -r 198.51.100.3:80 -m -w 1 -y 3');
    const r = new Reconciler(ipvs, options);
    await r.setDesired([{ ...web, realServers: [rs(1), rs(3, 3)] }]);
    r.stop();
    expect(ipvs.table[0]?.realServers.map(realServerId)).toEqual(['198.51.100.1:80']);
    expect(r.status().refused).toEqual([
      { command: '-a -t 192.0.2.100:80 -r 198.51.100.3:80 -m -w 1 -y 3', error: 'ipvsadm refused -a -t 192.0.2.100:80 -r 198.51.100.3:80 -m -w 1 -y 3: Numerical result out of range' },
    ]);
    expect(r.status().lastError?.message).toMatch(/^1 rule\(s\) refused by the kernel/);
  });

  it('keeps a failure in the status and clears it when IPVS comes back', async () => {
    const ipvs = new FakeIpvs();
    ipvs.readFailure = new IpvsError('no-ipvs', 'the kernel has no IPVS');
    const r = new Reconciler(ipvs, options);
    await r.setDesired([web]);
    expect(r.status().lastError).toEqual({ kind: 'no-ipvs', message: 'the kernel has no IPVS' });
    ipvs.readFailure = undefined;
    await r.reconcile();
    r.stop();
    expect(r.status().lastError).toBeNull();
    expect(r.status().services[0]?.inSync).toBe(true);
  });

  it('in a dry run prints the batch once and applies nothing', async () => {
    const ipvs = new FakeIpvs();
    const printed: string[] = [];
    const r = new Reconciler(ipvs, { ...options, dryRun: true, print: (t) => printed.push(t) });
    await r.setDesired([web]);
    await r.reconcile();
    r.stop();
    expect(ipvs.batches).toBe(0);
    expect(printed).toEqual([
      '# tandem --dry-run: the ipvsadm -R batch it would apply (3 operations)\n-A -t 192.0.2.100:80 -s wlc\n-a -t 192.0.2.100:80 -r 198.51.100.1:80 -m -w 1\n-a -t 192.0.2.100:80 -r 198.51.100.2:80 -m -w 1\n',
    ]);
  });
});
