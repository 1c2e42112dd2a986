import { configSchema } from './schema.js';

/*
 * The README's config reference, generated from the JSON Schema so the two cannot disagree.
 * `npm run docs` writes it into README.md between the markers; a unit test checks it is current.
 */

export const START = '<!-- config-reference:start (generated from src/config/schema.ts by `npm run docs`) -->';
export const END = '<!-- config-reference:end -->';

interface Node {
  type?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  format?: string;
  hint?: string;
  enum?: readonly unknown[];
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  items?: Node;
  required?: readonly string[];
}

function typeOf(n: Node): string {
  if (n.hint) return n.hint;
  if (n.enum) return `one of ${n.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  let t = n.type ?? 'value';
  if (t === 'array' && n.items) t = `list of ${typeOf(n.items)}`;
  if (t === 'object') t = 'map';
  if (n.format === 'ipv4') t = 'IPv4 address';
  if (n.format === 'ip') t = 'IP address';
  if (n.minimum !== undefined && n.maximum !== undefined) t += ` ${n.minimum}-${n.maximum}`;
  return t;
}

function rows(n: Node, path: string, required: boolean, out: string[]): void {
  if (path) {
    const def = n.default === undefined ? (required ? 'required' : '') : `\`${JSON.stringify(n.default)}\``;
    out.push(`| \`${path}\` | ${typeOf(n)} | ${def} | ${(n.description ?? '').replace(/\|/g, '\\|')} |`);
  }
  const req = new Set(n.required ?? []);
  for (const [key, child] of Object.entries(n.properties ?? {})) rows(child, path ? `${path}.${key}` : key, req.has(key), out);
  if (n.items?.properties) for (const [key, child] of Object.entries(n.items.properties)) rows(child, `${path}[].${key}`, new Set(n.items.required ?? []).has(key), out);
  if (typeof n.additionalProperties === 'object' && n.additionalProperties.properties) {
    const inner = n.additionalProperties;
    for (const [key, child] of Object.entries(inner.properties ?? {})) rows(child, `${path}.NAME.${key}`, new Set(inner.required ?? []).has(key), out);
  }
}

export function configReference(): string {
  const out = ['| key | type | default | meaning |', '| --- | --- | --- | --- |'];
  rows(configSchema as unknown as Node, '', true, out);
  return out.join('\n');
}

/** README text with the reference section replaced by the current one. */
export function withReference(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} section`);
  return `${readme.slice(0, start + START.length)}\n${configReference()}\n${readme.slice(end)}`;
}
