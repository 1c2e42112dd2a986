import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importKeepalived } from '../../src/config/keepalived/import.js';
import type { KStatement } from '../../src/config/keepalived/parse.js';
import { loadKeepalived } from '../../src/config/keepalived/parse.js';
import { newLanguageContext } from '../../src/config/keepalived/preprocess.js';
import { ip, requireRoot } from '../support/netns.js';
import { run } from '../support/programs.js';

/*
 * The import reads a keepalived.conf as Keepalived's own parser does: the same lines are unknown
 * keywords, the same braces are stray. The yardstick is `keepalived -t` (Keepalived 2.2.7 from
 * Debian, which scripts/test installs) on Keepalived's samples and on a file of the mistakes
 * real configs hold (a typo'd checker with `{}`, a block keyword that takes no block, a value
 * block without its `{`, a `}` too many).
 */

const SAMPLES = '/usr/share/doc/keepalived/samples';
const MISTAKES = path.resolve('test/netns/fixtures/keepalived-mistakes.conf');
const ADJUSTED = path.resolve('test/netns/fixtures/keepalived-adjusted.conf');

/** What Keepalived's parser says about a file: "LINE unknown WORD" and "LINE {" for a stray brace. */
async function keepalivedReading(file: string): Promise<string[]> {
  const r = await run('keepalived', ['-t', '-l', '-D', '-n', '-i', 'lb1', '-f', file], { reject: false, all: true, timeout: 30_000 });
  if (r.failed && r.exitCode === undefined) throw new Error(`keepalived -t did not run (apt-get install keepalived): ${r.message}`);
  const out: string[] = [];
  for (const line of (r.all ?? '').split('\n')) {
    const unknown = /Line (\d+)\) Unknown keyword '(.*)'/.exec(line);
    if (unknown) out.push(`${unknown[1]} unknown ${unknown[2]}`);
    const stray = /Line (\d+)\) Unexpected '\{'/.exec(line);
    if (stray) out.push(`${stray[1]} {`);
  }
  return [...new Set(out)].sort();
}

async function ourReading(file: string): Promise<string[]> {
  const out: string[] = [];
  const walk = (list: KStatement[]) => {
    for (const s of list) {
      if (s.keyword === '{' || s.strayBrace) out.push(`${s.line} {`);
      if (s.unknown) out.push(`${s.line} unknown ${s.keyword}`);
      if (s.children) walk(s.children);
    }
  };
  walk(await loadKeepalived(file, newLanguageContext('lb1')));
  return [...new Set(out)].sort();
}

describe('the import reads keepalived.conf as keepalived -t does', () => {
  const samples = readdirSync(SAMPLES)
    .filter((f) => f.startsWith('keepalived.conf.'))
    .map((f) => path.join(SAMPLES, f));

  it('has the samples (scripts/test installs keepalived)', () => {
    expect(samples.length, `${SAMPLES} holds no keepalived.conf.*: apt-get install keepalived`).toBeGreaterThanOrEqual(20);
  });

  it('finds stray braces and unknown keywords where Keepalived does, in a file of mistakes', async () => {
    const theirs = await keepalivedReading(MISTAKES);
    // The file must hold mistakes of every kind, or the comparison proves nothing.
    expect(theirs.filter((l) => l.endsWith('{')).length).toBeGreaterThanOrEqual(4);
    expect(theirs.filter((l) => l.includes('unknown }')).length).toBeGreaterThanOrEqual(2);
    expect(await ourReading(MISTAKES)).toEqual(theirs);
  });

  it('reads every sample alike', async () => {
    for (const file of samples) expect(await ourReading(file), path.basename(file)).toEqual(await keepalivedReading(file));
  });

  it('adjusts an instance or a virtual server where Keepalived does once it has read the file (nopreempt, weights, advert rounding, protocol, ports, quorum), with a warning for each', async () => {
    // In a namespace with eth0 and eth1, so that Keepalived keeps every instance and says what it changes.
    requireRoot();
    const ns = `tdkg${process.pid}`;
    await ip(['netns', 'add', ns]);
    let said: string;
    try {
      await ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
      const r = await run('ip', ['netns', 'exec', ns, 'keepalived', '-t', '-l', '-D', '-n', '-f', ADJUSTED], { reject: false, all: true, timeout: 30_000 });
      said = r.all ?? '';
    } finally {
      await ip(['netns', 'del', ns]);
    }
    // "(A) ignoring tracked script chk_a with weights due to SYNC group": instance and words.
    const theirs = [...said.matchAll(/^\((\w+)\) (.*(?:clearing|resetting|rounding|due to|since own interface).*)$/gm)].map((m) => ({
      instance: m[1] as string,
      words: (m[2] as string)
        .replace(/^Warning - /, '')
        .replace(/^VRRPv[23] advertisement interval [\d.]+s /, '')
        .replace(/\. specify weight 0$/, '')
        .replace(/ - (clearing|setting) weight( 0)?$/, ''),
    }));
    expect(theirs.length, said).toBeGreaterThanOrEqual(12);
    const warnings = importKeepalived(readFileSync(ADJUSTED, 'utf8'), ADJUSTED, { configId: 'lb1' }).notes.filter((n) => n.kind === 'warning' && /^vrrp_(instance|sync_group) /.test(n.where) && /clearing|resetting|rounding|due to|since own interface|with member having/.test(n.message));
    for (const { instance, words } of theirs) {
      const ours = warnings.filter((n) => (n.where.startsWith(`vrrp_instance ${instance} >`) || n.where.startsWith(`vrrp_sync_group ${instance} >`)) && n.message.includes(words));
      expect(ours, `${instance}: ${words}`).toHaveLength(1);
    }
    // The virtual servers': Keepalived names them by address, so count each kind of change.
    const lvs = ['no protocol set - defaulting to UDP', 'zero port only valid for persistent services - setting', 'one packet scheduling requires UDP - resetting', 'exceeds total weight of real servers', '>= quorum', "ports don't match - resetting", 'is duplicated - removing second rs', 'has port specified - clearing'];
    const lvsWarnings = importKeepalived(readFileSync(ADJUSTED, 'utf8'), ADJUSTED).notes.filter((n) => n.kind === 'warning');
    for (const words of lvs) {
      const count = said.split('\n').filter((l) => l.includes(words)).length;
      expect(lvsWarnings.filter((n) => n.message.includes(words)).length, words).toBe(count);
    }
    expect(said.split('\n').filter((l) => lvs.some((w) => l.includes(w))).length).toBeGreaterThanOrEqual(6);
    expect(warnings).toHaveLength(theirs.length);
    // An instance whose state is MASTER and that has no priority is the address owner.
    const g = importKeepalived(readFileSync(ADJUSTED, 'utf8'), ADJUSTED);
    expect(g.notes.some((n) => n.where === 'vrrp_instance G > state' && n.message.includes('priority 255'))).toBe(true);
    expect((g.yaml.match(/name: G\n(?: {4}.*\n)*? {4}priority: (\d+)/) ?? [])[1]).toBe('255');
  });
});
