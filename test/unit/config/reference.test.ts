import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReference, withReference } from '../../../src/config/reference.js';

describe('config reference', () => {
  it('lists every key with its type, default and meaning', () => {
    const ref = configReference();
    expect(ref).toContain('| `instances[].vrid` | integer 1-255 | required | Virtual router id');
    expect(ref).toContain('| `transport.port` | integer 1-65535 | `5798` |');
    expect(ref).toContain('| `scripts.NAME.weight` | integer -253-253 | `0` |');
    expect(ref).toContain('| `auth` | `none`, a map with `key_file` or `key_env`, or `keys` and `active` | required |');
  });

  it('is current in README.md (run `npm run docs` after changing the schema)', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(withReference(readme)).toBe(readme);
  });
});
