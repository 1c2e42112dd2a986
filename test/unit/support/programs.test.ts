import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { neededTools } from '../../../src/net/tools.js';
import { parseConfig } from '../../../src/config/parse.js';
import { program, programs, PROGRAMS_FILE, startedBy } from '../../support/programs.js';

const ROOT = path.resolve(path.dirname(PROGRAMS_FILE), '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.(ts|mjs)$/.test(name) ? [full] : [];
  });
}

/** Program names as literals where tests and scripts start them (the runtime check covers the rest). */
function startedLiterals(text: string): string[] {
  const patterns = [
    /(?<![.\w])(?:run|spawn)\(\s*'([^'$]+)'/g,
    /(?:\.exec|\.spawn|\binNs)\([^,()[\]]+,\s*\[\s*'([^'$]+)'/g,
    /\bsh\(\[\s*'([^'$]+)'/g,
    /'netns',\s*'exec',\s*[^,]+,\s*'([^'$]+)'/g,
  ];
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1] as string)).filter((p) => !p.startsWith('-') && !path.isAbsolute(p));
}

describe('the programs tests and scripts start', () => {
  it('are each listed with a package and installed by a script that exists', () => {
    const scripts = new Set(['test', 'lab', 'bench', 'vm']);
    for (const p of programs().values()) {
      for (const s of p.scripts) expect(scripts.has(s), `${p.name}: no script ${s}`).toBe(true);
    }
    for (const s of scripts) {
      expect(readFileSync(path.join(ROOT, 'scripts', s), 'utf8'), `scripts/${s} installs its programs`).toMatch(new RegExp(`^\\s*ensure_programs ${s}$`, 'm'));
    }
  });

  it('are all in the list, wherever a test, the lab or a bench names one', () => {
    const unlisted: string[] = [];
    for (const file of [...sources(path.join(ROOT, 'test')), ...sources(path.join(ROOT, 'scripts/lib'))]) {
      for (const name of startedLiterals(readFileSync(file, 'utf8'))) {
        if (!programs().has(name)) unlisted.push(`${path.relative(ROOT, file)}: ${name}`);
      }
    }
    expect(unlisted).toEqual([]);
  });

  it('include what the daemon itself needs, with the same package, installed for the tests and the lab', () => {
    const { config } = parseConfig(
      'instances:\n  - name: vi\n    interface: eth0\n    vrid: 1\n    priority: 100\n    vips: [192.0.2.10/24]\nauth: none\nipvs:\n  sync_daemon: { interface: eth0, takeover_grace: 2 }\n',
      'tools.yaml',
    );
    const tools = neededTools(config);
    expect(tools.map((t) => t.name)).toEqual(['ip', 'arping', 'iptables-restore']);
    for (const t of tools) {
      expect(programs().get(t.name)?.package, t.name).toBe(t.package);
      expect(programs().get(t.name)?.scripts, t.name).toEqual(expect.arrayContaining(['test', 'lab']));
    }
  });

  it('are refused when unlisted or missing, naming the package, before anything is started', () => {
    expect(() => program('surely-not-a-program')).toThrow(/is not in scripts\/lib\/programs/);
    expect(() => program('/nonexistent/bin/x')).toThrow(/does not exist/);
    // python3 is in /usr/bin, never in /usr/sbin or /sbin: with no PATH, it is not found.
    expect(() => program('python3', '/nonexistent')).toThrow('python3 is not installed: apt-get install python3 (scripts/test installs it)');
    expect(program('sh')).toBe('sh');
  });

  it('include the one `ip netns exec` runs', () => {
    expect(startedBy('ip', ['netns', 'exec', 'ns1', 'tcpdump', '-l'])).toEqual(['ip', 'tcpdump']);
    expect(startedBy('ip', ['-n', 'ns1', 'addr'])).toEqual(['ip']);
  });
});
