import { existsSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Config } from './schema.js';
import type { ConfigPath } from './locate.js';
import { pointerToPath } from './locate.js';

/**
 * The validator `npm run build` compiled into schema-validator.js; from the TypeScript sources
 * (tests, tsx), where no build ran, ajv compiles it here. Loaded once, when a config is first
 * read: `tandem status` and the other commands that read none never pay for it.
 */
const built = new URL('./schema-validator.js', import.meta.url);
const validate: ValidateFunction<Config> = existsSync(built)
  ? ((await import(built.href)) as { validate: ValidateFunction<Config> }).validate
  : (await import('./schema-ajv.js')).compileValidator();

export interface SchemaProblem {
  path: ConfigPath;
  /** For an unknown key: the key itself, so the position points at it. */
  key?: string;
  message: string;
  rule: string;
}

/** Validates (filling in defaults) and returns every problem in words a person can act on. */
export function checkSchema(data: unknown): SchemaProblem[] {
  if (validate(data)) return [];
  const errors = collapseChoices(validate.errors ?? []);
  return errors.map((e) => describe(e, data));
}

/**
 * A failed oneOf makes ajv report the failure of every branch as well; keep only the oneOf
 * itself (described by the schema's `hint`), which says what the value may be.
 */
function collapseChoices(errors: ErrorObject[]): ErrorObject[] {
  const choices = errors.filter((e) => e.keyword === 'oneOf');
  return errors.filter(
    (e) => e.keyword === 'oneOf' || !choices.some((c) => e.schemaPath.startsWith(`${c.schemaPath}/`) && e.instancePath.startsWith(c.instancePath)),
  );
}

function valueAt(data: unknown, path: ConfigPath): unknown {
  let v = data;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return JSON.stringify(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const FORMAT_WORDS: Record<string, string> = {
  ipv4: 'an IPv4 address',
  vip: 'an IPv4 or IPv6 address, optionally with /PREFIX',
  'instance-vip': 'an IPv4 or IPv6 address, optionally with /PREFIX, then if wanted `dev IFNAME` (1 to 15 letters, digits and _ . - @ +) and `no_track`',
  ip: 'an IPv4 or IPv6 address',
  route: 'a route in `ip route` words that tandem knows: [TYPE] DEST|default, then via, dev, src, metric, table, scope, proto, mtu, onlink (each once, with a value of its kind)',
  rule: 'a rule in `ip rule` words that tandem knows: not, from, to, iif, oif, fwmark, tos, priority, table, goto, blackhole, unreachable, prohibit, sport, dport, ipproto, uidrange (each once, with a value of its kind)',
};

function describe(e: ErrorObject, data: unknown): SchemaProblem {
  const path = pointerToPath(e.instancePath);
  const value = valueAt(data, path);
  const p = e.params as Record<string, unknown>;
  const problem = (message: string, key?: string): SchemaProblem => ({ path, key, message, rule: e.keyword });
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const near = closest(key, allowed);
      return problem(`unknown key "${key}"${near ? `; did you mean "${near}"?` : ''} (allowed: ${allowed.join(', ')})`, key);
    }
    case 'required':
      return problem(`missing required key "${String(p.missingProperty)}"`);
    case 'type':
      return problem(`must be ${article(String(p.type))}, got ${kindOf(value)}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return problem(`must be ${String(p.comparison)} ${String(p.limit)}, got ${show(value)}`);
    case 'minItems':
      return problem(`must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`);
    case 'maxItems':
      return problem(`must have at most ${String(p.limit)} items, got ${(value as unknown[]).length}`);
    case 'minLength':
      return problem('must not be empty');
    case 'maxLength':
      return problem(`must be at most ${String(p.limit)} characters, got ${show(value)}`);
    case 'uniqueItems':
      return problem(`items ${String(p.j)} and ${String(p.i)} are the same; each must appear once`);
    case 'format':
      return problem(`must be ${FORMAT_WORDS[String(p.format)] ?? String(p.format)}, got ${show(value)}`);
    case 'pattern': {
      const hint = (e.parentSchema as { hint?: string } | undefined)?.hint;
      return problem(hint ? `${show(value)} is not ${hint}` : `${show(value)} does not match ${String(p.pattern)}`);
    }
    case 'const':
      return problem(`must be ${show(p.allowedValue)}, got ${show(value)}`);
    case 'enum':
      return problem(`must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}; got ${show(value)}`);
    case 'oneOf': {
      const hint = (e.parentSchema as { hint?: string } | undefined)?.hint;
      return problem(`must be ${hint ?? 'one of the allowed shapes'}, got ${kindOf(value)}`);
    }
    case 'propertyNames':
      return problem(`has a key that is not a valid name (letters, digits, _ . -)`);
    default:
      return problem(e.message ?? 'is invalid');
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The allowed key nearest to a mistyped one (edit distance at most 2), for "did you mean". */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
