import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { ServiceSupervisor } from '../../../src/daemon/services.js';
import type { VirtualService } from '../../../src/ipvs/model.js';
import { FakeClock } from '../check/fake-clock.js';

// A real server with several checks (Keepalived: several checkers in one real_server) is in
// the table while every one passes, and out once one has failed `fall` times.

const config = parseConfig(
  `auth: none
virtual_services:
  - protocol: tcp
    address: 192.0.2.100
    port: 80
    real_servers:
      - address: 10.0.0.1
        port: 80
        checks:
          - { type: tcp, interval: 1, fall: 1, rise: 1, warmup: 0 }
          - { type: http, interval: 1, fall: 1, rise: 1, warmup: 0, path: /health }
      - { address: 10.0.0.2, port: 80 }
`,
  't.yaml',
).config;

describe('a real server with several checks', () => {
  it('is in the table while every check passes; hooks hear once per change of the whole', async () => {
    const clock = new FakeClock();
    const passing = { tcp: true, http: true };
    const tables: VirtualService[][] = [];
    const heard: string[] = [];
    const supervisor = new ServiceSupervisor(config, {
      log: pino({ level: 'silent' }),
      state: { readDrains: async () => [], writeDrains: async () => undefined },
      clock,
      onTable: (t) => void tables.push(t),
      onQuorum: () => undefined,
      events: { server: (_vs, rs, up) => heard.push(`${rs.address} ${up ? 'up' : 'down'}`), quorum: () => undefined },
      monitor: {
        build: async (spec) => async () => {
          const ok = passing[spec.type as 'tcp' | 'http'];
          return { ok, message: ok ? 'ok' : `${spec.type} failed` };
        },
      },
    });
    const inTable = () => (tables.at(-1) ?? supervisor.table()).flatMap((vs) => vs.realServers.map((rs) => rs.address));
    const status = () => supervisor.status()[0]?.servers[0];
    await supervisor.start();
    await clock.advanceTo(1500);
    expect(inTable()).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(status()).toMatchObject({ check: 'tcp+http', healthy: true });

    passing.http = false;
    await clock.advanceTo(3500);
    expect(inTable()).toEqual(['10.0.0.2']);
    expect(status()).toMatchObject({ healthy: false, last: { ok: false, message: 'http failed' } });

    passing.tcp = false;
    await clock.advanceTo(5500);
    passing.tcp = true;
    passing.http = true;
    await clock.advanceTo(8500);
    expect(inTable()).toEqual(['10.0.0.1', '10.0.0.2']);
    // The tcp check's own fall and rise came and went while the server was down: no extra event.
    expect(heard).toEqual(['10.0.0.1 down', '10.0.0.1 up']);
    await supervisor.stop();
  });

  it('refuses `check` and `checks` together', () => {
    expect(() =>
      parseConfig(
        `auth: none
virtual_services:
  - { protocol: tcp, address: 192.0.2.100, port: 80, real_servers: [{ address: 10.0.0.1, port: 80, check: { type: tcp }, checks: [{ type: tcp }] }] }
`,
        't.yaml',
      ),
    ).toThrow(/give `check` or `checks`, not both/);
  });
});

/** Two real servers, the first checked every second (one failure takes it out, one success back). */
const oneChecked = (quorum: number) =>
  parseConfig(
    `auth: none
virtual_services:
  - protocol: tcp
    address: 192.0.2.100
    port: 80
    quorum: ${quorum}
    real_servers:
      - { address: 10.0.0.1, port: 80, check: { type: tcp, interval: 1, fall: 1, rise: 1, warmup: 0 } }
      - { address: 10.0.0.2, port: 80 }
`,
    't.yaml',
  ).config;

describe('a real server that fails', () => {
  it('leaves the table in the turn its check decided, before the log line says so', async () => {
    const clock = new FakeClock();
    const order: string[] = [];
    let healthy = true;
    const supervisor = new ServiceSupervisor(
      oneChecked(1),
      {
        log: pino({ level: 'info' }, { write: (line: string) => void order.push(JSON.parse(line).msg.replace(/ of .*/, '')) }),
        state: { readDrains: async () => [], writeDrains: async () => undefined },
        clock,
        onTable: (t) => void order.push(`table ${t[0]?.realServers.map((rs) => rs.address).join(',')}`),
        onQuorum: () => undefined,
        monitor: { build: async () => async () => (healthy ? { ok: true, message: 'ok' } : { ok: false, message: 'refused' }) },
      },
    );
    await supervisor.start();
    await clock.advanceTo(1500);
    order.length = 0;
    healthy = false;
    await clock.advanceTo(2500);
    // Before, the table waited for the next turn and the log line was written first.
    expect(order).toEqual(['table 10.0.0.2', 'real server 10.0.0.1:80']);
    await supervisor.stop();
  });
  it('is told of (log line, hooks, quorum) once its table is in the kernel, or after 1 s without it', async () => {
    const clock = new FakeClock();
    const order: string[] = [];
    let healthy = true;
    let apply: (() => void) | undefined;
    let hang = false;
    const supervisor = new ServiceSupervisor(
      oneChecked(2),
      {
        log: pino({ level: 'info' }, { write: (line: string) => void order.push(JSON.parse(line).msg.replace(/ of .*/, '').replace(/ \(.*/, '')) }),
        state: { readDrains: async () => [], writeDrains: async () => undefined },
        clock,
        // The table reaches the kernel when the test says (ipvsadm -R applying it), or never.
        onTable: (t) => {
          order.push(`table ${t[0]?.realServers.map((rs) => rs.address).join(',')}`);
          return hang ? new Promise<void>(() => undefined) : new Promise<void>((resolve) => (apply = () => (order.push('applied'), resolve())));
        },
        onQuorum: (_service, up) => void order.push(`quorum ${up ? 'up' : 'down'} to the instances`),
        events: { server: (_vs, rs, up) => void order.push(`hook ${rs.address} ${up ? 'up' : 'down'}`), quorum: (_vs, up) => void order.push(`hook quorum ${up ? 'up' : 'down'}`) },
        monitor: { build: async () => async () => (healthy ? { ok: true, message: 'ok' } : { ok: false, message: 'refused' }) },
      },
    );
    await supervisor.start();
    apply?.();
    await clock.advanceTo(1500);
    apply?.();
    await clock.advanceTo(1600);
    order.length = 0;
    healthy = false;
    await clock.advanceTo(2500);
    // The instances hear of the quorum at once (a failover must not wait); nothing else yet.
    expect(order).toEqual(['table 10.0.0.2', 'quorum down to the instances']);
    apply?.();
    await clock.advanceTo(2600);
    expect(order).toEqual(['table 10.0.0.2', 'quorum down to the instances', 'applied', 'virtual service tcp 192.0.2.100:80 lost its quorum', 'hook quorum down', 'real server 10.0.0.1:80', 'hook 10.0.0.1 down']);

    // An ipvsadm that never returns: the operator hears 1 s after the decision all the same.
    order.length = 0;
    hang = true;
    healthy = true;
    await clock.advanceTo(3500);
    expect(order).toEqual(['table 10.0.0.1,10.0.0.2', 'quorum up to the instances']);
    // Its check decided at 3000.
    await clock.advanceTo(3999);
    expect(order).toHaveLength(2);
    await clock.advanceTo(4000);
    expect(order.slice(2)).toEqual(['virtual service tcp 192.0.2.100:80 has its quorum again', 'hook quorum up', 'real server 10.0.0.1:80', 'hook 10.0.0.1 up']);
    await supervisor.stop();
  });
});
