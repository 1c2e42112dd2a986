import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { HOST_LOOK_MS, HostWatch } from '../../../src/daemon/host-watch.js';
import { RtnetlinkAddressWatch } from '../../../src/net/address-events.js';
import type { RtSocket } from '../../../src/net/address-events.js';
import { FakeClock } from '../check/fake-clock.js';

/** An rtnetlink socket the test drives: events in, memberships and closes recorded. */
function fakeSockets() {
  const made: { groups: string[]; closed: boolean; events: EventEmitter; inner: EventEmitter }[] = [];
  const create = (): RtSocket => {
    const s = { groups: [] as string[], closed: false, events: new EventEmitter(), inner: new EventEmitter() };
    made.push(s);
    return {
      addMembership: (g) => void s.groups.push(g),
      on: (event, listener) => s.events.on(event, listener),
      socket: { on: (event, listener) => s.inner.on(event, listener), close: () => void (s.closed = true) },
    };
  };
  return { made, load: async () => ({ createRtNetlink: create }) };
}

describe('the address watch', () => {
  it('subscribes to links and addresses, reports each message, and after a receive error opens a new socket and asks for a full look', async () => {
    const { made, load } = fakeSockets();
    const seen: string[] = [];
    const errors: string[] = [];
    const watch = new RtnetlinkAddressWatch((by) => seen.push(by), (err) => errors.push(err.message), load);
    await watch.start();
    expect(made[0]?.groups).toEqual(['LINK', 'IPV4_IFADDR', 'IPV6_IFADDR']);
    made[0]?.events.emit('message');
    expect(seen).toEqual(['rtnetlink']);
    made[0]?.inner.emit('error', new Error('recv ENOBUFS'));
    expect(made[0]?.closed).toBe(true);
    expect(made).toHaveLength(2);
    expect(made[1]?.groups).toEqual(['LINK', 'IPV4_IFADDR', 'IPV6_IFADDR']);
    expect(errors).toEqual(['recv ENOBUFS']);
    expect(seen).toEqual(['rtnetlink', 'rtnetlink resync after recv ENOBUFS']);
    watch.stop();
    expect(made[1]?.closed).toBe(true);
  });
});

describe('the host watch', () => {
  it('looks once for the events of one moment, and every period without any', async () => {
    const clock = new FakeClock();
    let fire: (by: string) => void = () => undefined;
    const looks: string[] = [];
    const watch = new HostWatch(
      { clock, watchAddresses: (onChange) => ((fire = onChange), { start: async () => undefined, stop: () => undefined }) },
      (by) => void looks.push(`${clock.now()} ${by}`),
      () => undefined,
    );
    await watch.start();
    fire('rtnetlink');
    fire('rtnetlink');
    await clock.advanceTo(1);
    expect(looks).toEqual(['0 rtnetlink']);
    await clock.advanceTo(2 * HOST_LOOK_MS);
    expect(looks).toEqual(['0 rtnetlink', `${HOST_LOOK_MS} periodic look`, `${2 * HOST_LOOK_MS} periodic look`]);
    watch.stop();
    fire('rtnetlink');
    await clock.advanceTo(4 * HOST_LOOK_MS);
    expect(looks).toHaveLength(3);
  });

  it('still looks every period when the events cannot be had, and says why', async () => {
    const clock = new FakeClock();
    const looks: string[] = [];
    const errors: string[] = [];
    const watch = new HostWatch(
      { clock, watchAddresses: () => ({ start: async () => Promise.reject(new Error('socket: EPERM')), stop: () => undefined }) },
      (by) => void looks.push(by),
      (err) => errors.push(err.message),
    );
    await watch.start();
    await clock.advanceTo(HOST_LOOK_MS);
    expect(errors).toEqual([`no address events (socket: EPERM); looking every ${HOST_LOOK_MS / 1000} s only`]);
    expect(looks).toEqual(['periodic look']);
    watch.stop();
  });
});
