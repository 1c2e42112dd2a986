import type { Auth } from './advert.js';

/**
 * What a reload changes in advert authentication, in words that name key ids and never a key:
 * keys added and removed, the active key moved, a key's bytes rewritten under the same name.
 * Empty when nothing changed.
 */
export function authChanges(before: Auth, after: Auth): string[] {
  if (before.type === 'none' && after.type === 'none') return [];
  if (before.type === 'none') return ['adverts now authenticated (HMAC-SHA256)'];
  if (after.type === 'none') return ['adverts no longer authenticated (auth: none)'];
  const keys = (a: Extract<Auth, { type: 'hmac-sha256' }>) => a.accepted ?? [a.key];
  const idsOf = (a: Extract<Auth, { type: 'hmac-sha256' }>) => a.ids?.all ?? [];
  const [was, now] = [idsOf(before), idsOf(after)];
  const out: string[] = [];
  const added = now.filter((id) => !was.includes(id));
  const removed = was.filter((id) => !now.includes(id));
  if (added.length) out.push(`advert keys added: ${added.join(', ')}`);
  if (removed.length) out.push(`advert keys removed: ${removed.join(', ')}`);
  if (before.ids && after.ids && before.ids.active !== after.ids.active) out.push(`active advert key ${before.ids.active} -> ${after.ids.active}`);
  if (!out.length) {
    // The same ids (or a single key each): did the bytes change?
    const [k1, k2] = [keys(before), keys(after)];
    const same = k1.length === k2.length && k1.every((k, i) => k.equals(k2[i] as Buffer)) && before.key.equals(after.key);
    if (!same) out.push('advert key changed');
  }
  return out;
}
