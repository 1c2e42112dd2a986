import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Advert, Auth } from '../../../src/vrrp/advert.js';
import { decodeAdvert, encodeAdvert } from '../../../src/vrrp/codec.js';

const key: Auth = { type: 'hmac-sha256', key: Buffer.from('a shared key of some length') };
const none: Auth = { type: 'none' };
const advert: Advert = {
  kind: 'master',
  vrid: 51,
  priority: 150,
  intervalCs: 10,
  epoch: 1_700_000_000,
  seq: 42,
  sender: '192.0.2.1',
  vips: ['192.0.2.100', '2001:db8::64'],
};

function expectReject(buf: Uint8Array, auth: Auth, reason: string, message: string) {
  const r = decodeAdvert(buf, auth);
  expect(r).toEqual({ ok: false, reason, message });
}

describe('advert codec', () => {
  it('round-trips with HMAC and without auth', () => {
    for (const auth of [key, none]) {
      expect(decodeAdvert(encodeAdvert(advert, auth), auth)).toEqual({ ok: true, advert });
    }
  });

  it('round-trips backup adverts, IPv6 senders and no VIPs', () => {
    const a: Advert = { ...advert, kind: 'backup', sender: '2001:db8::1', vips: [], priority: 0 };
    expect(decodeAdvert(encodeAdvert(a, key), key)).toEqual({ ok: true, advert: a });
  });

  it('has the documented size: 20-byte header, addresses, 32-byte tag', () => {
    expect(encodeAdvert({ ...advert, vips: ['192.0.2.100'] }, key).length).toBe(20 + 4 + 5 + 32);
  });

  it('rejects a short packet', () => {
    expectReject(Buffer.alloc(10), none, 'short', 'packet is 10 bytes; should be at least 20');
  });

  it('rejects wrong magic, version and type with actual vs expected', () => {
    const good = encodeAdvert(advert, none);
    const bad = (at: number, v: number) => {
      const b = Buffer.from(good);
      b[at] = v;
      return b;
    };
    expectReject(bad(0, 0x58), none, 'magic', 'magic is 0x5844; should be 0x5444');
    expectReject(bad(2, 2), none, 'version', 'version is 2; should be 1');
    expectReject(bad(3, 7), none, 'type', 'type is 7; should be 1 (master) or 2 (backup)');
    expectReject(bad(17, 5), none, 'family', 'sender address family is 5; should be 4 or 6');
    expectReject(bad(20 + 4, 9), none, 'family', 'VIP 1 address family is 9; should be 4 or 6');
  });

  it('rejects an interval out of range', () => {
    const b = Buffer.from(encodeAdvert(advert, none));
    b.writeUInt16BE(0, 6);
    expectReject(b, none, 'interval', 'advert interval is 0 cs; should be 1-4095');
    b.writeUInt16BE(5000, 6);
    expectReject(b, none, 'interval', 'advert interval is 5000 cs; should be 1-4095');
  });

  it('rejects truncated and padded packets', () => {
    const good = encodeAdvert(advert, none);
    expectReject(good.subarray(0, good.length - 3), none, 'length', 'packet is 43 bytes; should be 46 for 2 VIPs');
    expectReject(good.subarray(0, 25), none, 'length', 'packet is 25 bytes; ends before VIP 2 of 2');
    expectReject(Buffer.concat([good, Buffer.alloc(1)]), none, 'length', 'packet is 47 bytes; should be 46 for 2 VIPs');
  });

  it('rejects an unauthenticated packet when a key is set, and the reverse', () => {
    expectReject(encodeAdvert(advert, none), key, 'auth-type', 'auth type is none; should be hmac-sha256');
    expectReject(encodeAdvert(advert, key), none, 'auth-type', 'auth type is hmac-sha256; should be none');
  });

  it('rejects a wrong key and any altered byte', () => {
    const other: Auth = { type: 'hmac-sha256', key: Buffer.from('another key entirely') };
    const msg = 'HMAC-SHA256 tag does not match: wrong key or altered packet';
    expectReject(encodeAdvert(advert, key), other, 'hmac', msg);
    const good = encodeAdvert(advert, key);
    for (const at of [4, 5, 9, 15, 22, good.length - 1]) {
      const b = Buffer.from(good);
      b[at] = (b[at] as number) ^ 1;
      expectReject(b, key, 'hmac', msg);
    }
  });

  it('never throws, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, withKey) => {
        const r = decodeAdvert(bytes, withKey ? key : none);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws on mutations of a valid packet (property)', () => {
    const good = encodeAdvert(advert, none);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(good.length + 4), fc.nat(255)), { maxLength: 6 }), fc.nat(good.length + 8), (edits, cut) => {
        const b = Buffer.concat([good, Buffer.alloc(8)]);
        for (const [at, v] of edits) b[at] = v;
        const r = decodeAdvert(b.subarray(0, cut), none);
        if (r.ok) expect(r.advert.vips.length).toBeLessThanOrEqual(255);
      }),
      { numRuns: 5000 },
    );
  });
});
