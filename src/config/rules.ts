import type { Problem } from './parse.js';
import type { Config } from './schema.js';
import { parseVip } from './vip.js';

/** Rules across fields that JSON Schema cannot say. Errors refuse the config; warnings do not. */
export function checkRules(config: Config): { errors: Problem[]; warnings: Problem[] } {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const firstUse = new Map<string, string>();
  const claim = (kind: string, value: string, owner: string, path: Problem['path'], rule: string) => {
    const key = `${kind}:${value}`;
    const previous = firstUse.get(key);
    if (previous) errors.push({ path, message: `${kind} ${value} is already used by ${previous}; each must be unique`, rule });
    else firstUse.set(key, owner);
  };

  config.instances.forEach((inst, i) => {
    const at = (...rest: (string | number)[]) => ['instances', i, ...rest];
    claim('name', inst.name, `instance ${i}`, at('name'), 'unique-name');
    claim('vrid', String(inst.vrid), `instance ${inst.name}`, at('vrid'), 'unique-vrid');
    const cs = inst.advert_interval * 100;
    if (Math.abs(cs - Math.round(cs)) > 1e-6) {
      errors.push({ path: at('advert_interval'), message: `must be a multiple of 0.01 s (adverts carry centiseconds), got ${inst.advert_interval}`, rule: 'centiseconds' });
    }
    inst.vips.forEach((text, v) => {
      const vip = parseVip(text);
      if (vip) claim('VIP', vip.address, `instance ${inst.name}`, at('vips', v), 'unique-vip');
    });
    inst.track_scripts.forEach((name, s) => {
      if (!(name in config.scripts)) {
        const known = Object.keys(config.scripts);
        errors.push({ path: at('track_scripts', s), message: `no script named "${name}" in scripts (defined: ${known.join(', ') || 'none'})`, rule: 'unknown-script' });
      }
    });
    const tracks = inst.track_interfaces.length + inst.track_scripts.length;
    if (inst.priority === 255 && tracks > 0) {
      warnings.push({ path: at('priority'), message: 'an address owner (255) keeps its priority: tracking weights do not apply, only FAULT does', rule: 'owner-tracking' });
    }
  });

  const names = new Map(config.instances.map((inst) => [inst.name, inst]));
  const grouped = new Map<string, string>();
  config.sync_groups.forEach((group, g) => {
    const priorities = new Set<number>();
    group.instances.forEach((name, m) => {
      const path = ['sync_groups', g, 'instances', m];
      const inst = names.get(name);
      if (!inst) {
        errors.push({ path, message: `no instance named "${name}" (defined: ${[...names.keys()].join(', ')})`, rule: 'unknown-instance' });
        return;
      }
      priorities.add(inst.priority);
      const other = grouped.get(name);
      if (other) errors.push({ path, message: `instance "${name}" is already in sync group "${other}"; an instance joins at most one`, rule: 'one-group' });
      else grouped.set(name, group.name);
    });
    if (priorities.size > 1) {
      warnings.push({ path: ['sync_groups', g], message: `members have different priorities (${[...priorities].join(', ')}); give them one priority so they elect alike`, rule: 'sync-priority' });
    }
  });
  return { errors, warnings };
}
