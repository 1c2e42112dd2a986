import { describe, expect, it } from 'vitest';
import { decodeAdvert, encodeAdvert } from '../../../src/vrrp/codec.js';
import type { Advert, Auth } from '../../../src/vrrp/advert.js';
import { authChanges } from '../../../src/vrrp/auth-changes.js';

const A = Buffer.from('the first key, long enough....');
const B = Buffer.from('the second key, long enough too');
const C = Buffer.from('a third key that nobody configured');
const advert: Advert = { kind: 'master', vrid: 51, priority: 150, intervalCs: 10, epoch: 1, seq: 1, sender: '192.0.2.1', vips: ['192.0.2.100'] };
const keys = (active: number, list: [number, Buffer][]): Auth => {
  const found = list.find(([id]) => id === active) as [number, Buffer];
  return { type: 'hmac-sha256', key: found[1], accepted: list.map(([, k]) => k), ids: { active, all: list.map(([id]) => id) } };
};

describe('several advert keys', () => {
  it('accepts an advert signed by any configured key, signs with the active one, and refuses any other', () => {
    const both = keys(2, [[1, A], [2, B]]);
    expect(decodeAdvert(encodeAdvert(advert, { type: 'hmac-sha256', key: A }), both).ok).toBe(true);
    expect(decodeAdvert(encodeAdvert(advert, { type: 'hmac-sha256', key: B }), both).ok).toBe(true);
    // Signed with B (active): a director that has only B accepts it; one that has only A does not.
    const signed = encodeAdvert(advert, both);
    expect(decodeAdvert(signed, { type: 'hmac-sha256', key: B }).ok).toBe(true);
    expect(decodeAdvert(signed, { type: 'hmac-sha256', key: A })).toMatchObject({ ok: false, reason: 'hmac' });
    expect(decodeAdvert(encodeAdvert(advert, { type: 'hmac-sha256', key: C }), both)).toMatchObject({ ok: false, reason: 'hmac', message: expect.stringContaining('any of the 2 keys') });
  });

  it('every step of the documented rotation keeps each director accepting the other', () => {
    // Add B on both, make B active on both, remove A: one director a step ahead at every moment.
    const steps = [keys(1, [[1, A]]), keys(1, [[1, A], [2, B]]), keys(2, [[1, A], [2, B]]), keys(2, [[2, B]])];
    for (let i = 0; i + 1 < steps.length; i++) {
      const [behind, ahead] = [steps[i] as Auth, steps[i + 1] as Auth];
      expect(decodeAdvert(encodeAdvert(advert, behind), ahead).ok, `step ${i + 1}: ahead hears behind`).toBe(true);
      expect(decodeAdvert(encodeAdvert(advert, ahead), behind).ok, `step ${i + 1}: behind hears ahead`).toBe(true);
    }
  });

  it('a reload says which key ids were added, removed or made active, and never a key', () => {
    expect(authChanges(keys(1, [[1, A]]), keys(1, [[1, A], [2, B]]))).toEqual(['advert keys added: 2']);
    expect(authChanges(keys(1, [[1, A], [2, B]]), keys(2, [[1, A], [2, B]]))).toEqual(['active advert key 1 -> 2']);
    expect(authChanges(keys(2, [[1, A], [2, B]]), keys(2, [[2, B]]))).toEqual(['advert keys removed: 1']);
    expect(authChanges({ type: 'hmac-sha256', key: A }, { type: 'hmac-sha256', key: B })).toEqual(['advert key changed']);
    expect(authChanges({ type: 'hmac-sha256', key: A }, { type: 'hmac-sha256', key: A })).toEqual([]);
    expect(authChanges({ type: 'none' }, { type: 'hmac-sha256', key: A })).toEqual(['adverts now authenticated (HMAC-SHA256)']);
    const said = authChanges(keys(1, [[1, A]]), keys(2, [[2, B]])).join(' ');
    expect(said).not.toContain(A.toString());
    expect(said).not.toContain(B.toString());
  });
});
