import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { compileValidator, validatorSource } from '../../../src/config/schema-ajv.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
// Inside the repository (so the generated module's require() finds ajv's runtime helpers), outside
// node_modules (so vitest loads it and the TypeScript formats it imports).
const DIR = path.join(ROOT, '.cache/built-validator-test');

/** The module `npm run build` writes, loaded from a scratch folder with the formats from src. */
async function builtValidator(): Promise<ValidateFunction> {
  await mkdir(DIR, { recursive: true });
  const formats = pathToFileURL(path.join(ROOT, 'src/config/schema-formats.ts')).href;
  const source = validatorSource().replace("'./schema-formats.js'", `'${formats}'`);
  const file = path.join(DIR, `validator-${process.pid}.mjs`);
  await writeFile(file, source);
  return ((await import(pathToFileURL(file).href)) as { validate: ValidateFunction }).validate;
}

afterAll(async () => {
  await rm(DIR, { recursive: true, force: true });
});

const example = (name: string) => parse(readFileSync(path.join(ROOT, 'conf', name), 'utf8')) as Record<string, unknown>;

const CASES: [string, () => unknown][] = [
  ['the primary example', () => example('primary.yaml')],
  ['the backup example', () => example('backup.yaml')],
  ['a bad VIP, a bad multicast group and an unknown key', () => ({
    ...example('primary.yaml'),
    transport: { multicast_group: '224.0.0.300', multicast_group6: 'fe80::1%eth0' },
    instances: [{ name: 'VI_1', interface: 'eth0', vrid: 51, priority: 100, vips: ['192.0.2.300/24'], prioirty: 1 }],
  })],
  ['wrong types and a missing key', () => ({ instances: 'none', virtual_services: [{ port: 'x' }] })],
];

describe('the validator compiled at build time', () => {
  it('accepts, refuses and fills in defaults exactly as the one ajv compiles at run time', async () => {
    const built = await builtValidator();
    const live = compileValidator();
    for (const [what, make] of CASES) {
      const a = make();
      const b = make();
      expect(built(a), what).toBe(live(b));
      expect(a, what).toEqual(b);
      const errors = (v: ValidateFunction) => (v.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${e.message ?? ''}`);
      expect(errors(built), what).toEqual(errors(live));
    }
    expect(built(CASES[2]?.[1]())).toBe(false);
  });
});
