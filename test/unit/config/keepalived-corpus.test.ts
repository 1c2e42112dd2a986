import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importKeepalivedFile } from '../../../src/config/keepalived/import.js';
import { isStrictFailure } from '../../../src/config/keepalived/report.js';

/*
 * Keepalived's own sample configs (test/corpus/keepalived-sources.md): every one imports into a
 * config tandem accepts, and every statement not carried over as it was is named with its line.
 */
const SAMPLES = '/usr/share/doc/keepalived/samples';
/** Files that must be read for a config id, as their own comments say. */
const CONFIG_IDS: Record<string, string[]> = { 'keepalived.conf.conditional_conf': ['high', 'low'] };

describe("Keepalived's sample configs", () => {
  it('are installed (Debian package keepalived; scripts/test installs it)', () => {
    expect(existsSync(SAMPLES), `${SAMPLES} is missing: apt-get install keepalived`).toBe(true);
  });

  const files = existsSync(SAMPLES) ? readdirSync(SAMPLES).filter((f) => f.startsWith('keepalived.conf.')).sort() : [];

  it('all import, and each difference names its line', async () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    const rows: string[] = [];
    let strict = 0;
    for (const f of files) {
      for (const configId of CONFIG_IDS[f] ?? ['lb1']) {
        const r = await importKeepalivedFile(path.join(SAMPLES, f), { configId });
        expect(r.problems, `${f} (config id ${configId})`).toEqual([]);
        const failing = r.notes.filter(isStrictFailure);
        for (const n of failing) expect(n.line, `${f}: ${n.where}`).toBeGreaterThan(0);
        if (!failing.length) strict++;
        rows.push(`${failing.length ? 'loose ' : 'strict'} ${f}${CONFIG_IDS[f] ? ` -i ${configId}` : ''}${failing.length ? `: ${failing.map((n) => n.where).join('; ')}` : ''}`);
      }
    }
    console.log(`${rows.length} imports, ${rows.length} valid, ${strict} pass --strict\n${rows.join('\n')}`);
  });
});
