import type { CheckOutcome } from './types.js';

/** What an HTTP check wants of the response; built once from the config (pure). */
export interface HttpExpectation {
  /** Accepted status ranges, inclusive. */
  status: [number, number][];
  bodyMatch?: RegExp;
  bodyNotMatch?: RegExp;
  digest?: { algorithm: 'md5' | 'sha256'; hex: string };
}

export const DEFAULT_STATUS: [number, number][] = [[200, 299]];

/** `[200, "300-399"]` -> `[[200, 200], [300, 399]]`. */
export function parseStatusList(list: (number | string)[] | undefined): [number, number][] {
  if (!list?.length) return DEFAULT_STATUS;
  return list.map((item) => {
    if (typeof item === 'number') return [item, item];
    const [low, high] = item.split('-').map(Number) as [number, number];
    return [low, high];
  });
}

export function formatStatusList(ranges: [number, number][]): string {
  return ranges.map(([low, high]) => (low === high ? String(low) : `${low}-${high}`)).join(', ');
}

/** The digest's algorithm follows from its length: 32 hex digits are MD5, 64 are SHA-256. */
export function parseDigest(hex: string | undefined): HttpExpectation['digest'] {
  if (!hex) return undefined;
  return { algorithm: hex.length === 32 ? 'md5' : 'sha256', hex: hex.toLowerCase() };
}

export interface HttpResponseSummary {
  status: number;
  /** The body as text, up to the checker's cap. */
  body: string;
  /** The digest of the whole body, hex, when one is expected. */
  digest?: string;
  truncated: boolean;
}

/** Judges a response against the expectation; the first unmet rule is the message. */
export function judgeResponse(res: HttpResponseSummary, want: HttpExpectation): CheckOutcome {
  if (!want.status.some(([low, high]) => res.status >= low && res.status <= high)) {
    return { ok: false, message: `HTTP ${res.status}; expected ${formatStatusList(want.status)}` };
  }
  const scope = res.truncated ? ' (in the first part of the body)' : '';
  if (want.bodyMatch && !want.bodyMatch.test(res.body)) {
    return { ok: false, message: `HTTP ${res.status}; body does not match /${want.bodyMatch.source}/${scope}` };
  }
  if (want.bodyNotMatch?.test(res.body)) {
    return { ok: false, message: `HTTP ${res.status}; body matches /${want.bodyNotMatch.source}/, which it must not${scope}` };
  }
  if (want.digest && res.digest !== want.digest.hex) {
    return { ok: false, message: `HTTP ${res.status}; body ${want.digest.algorithm} is ${res.digest}, expected ${want.digest.hex}` };
  }
  return { ok: true, message: `HTTP ${res.status}` };
}
