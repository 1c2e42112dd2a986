import { parseRouteSpec, parseRuleSpec, routeType } from '../ip-spec.js';
import { isInstanceVip, isScope, isVip } from '../vip.js';
import type { KStatement } from './parse.js';
import type { Reporter } from './report.js';

/*
 * Keepalived's routes, rules and static addresses: virtual_routes and virtual_rules (an
 * instance's, held by its master), static_routes, static_rules and static_ipaddress (held from
 * start to stop). Each line becomes the tandem entry in `ip route` / `ip rule` / address words,
 * or is reported with its line.
 */

/** Words Keepalived takes on a route or rule that only change its own tracking of it. */
const TRACKING = new Set(['no_track']);

/** One route or rule line, in the order `ip` reads it: Keepalived's leading `src A` goes after the destination. */
function words(s: KStatement): string[] {
  const all = [s.keyword, ...s.args];
  if (all[0] === 'src' && all.length > 2) return [...all.slice(2), 'src', all[1] as string];
  return all;
}

/**
 * Keepalived's older way to a route through two gateways, `via A or B`, as `ip route` writes it:
 * `nexthop via A nexthop via B` at the end. Keepalived keeps the first `or` only. Undefined if
 * no gateway comes before the `or`.
 */
function orAsNexthops(all: string[]): string[] | undefined {
  const or = all.indexOf('or');
  const via = all.findIndex((w, k) => k < or && (w === 'via' || w === 'gw'));
  const second = all[or + 1];
  if (via < 0 || all[via + 1] === undefined || second === undefined) return undefined;
  // Every `or` and the address after it go, as do the first gateway's words.
  const dropped = new Set([via, via + 1, ...all.flatMap((w, k) => (w === 'or' ? [k, k + 1] : []))]);
  const head = all.filter((_, k) => !dropped.has(k));
  return [...head, 'nexthop', 'via', all[via + 1] as string, 'nexthop', 'via', second];
}

/** A word written as an IPv4 address or prefix that is none (`192.168.100./24`). */
function looksLikeBadAddress(w: string): boolean {
  return /^[\d.]+(\/\d+)?$/.test(w) && w.includes('.') && !isVip(w);
}

export function translateIpList(t: Reporter, block: KStatement, where: string, kind: 'route' | 'rule'): string[] {
  const out: string[] = [];
  const inner = where ? `${where} > ${block.keyword}` : block.keyword;
  for (const s of block.children ?? []) {
    const all = words(s);
    if (all.includes('track_group')) {
      t.untranslated(s, inner, `track_group (the ${kind} held while a group of interfaces is up)`);
      continue;
    }
    const multipath = kind === 'route' && all.includes('or') ? orAsNexthops(all) : all;
    if (!multipath) {
      t.untranslated(s, inner, 'a route through several gateways (`or`) without a `via` before it');
      continue;
    }
    if (multipath !== all && all.filter((w) => w === 'or').length > 1) t.note(s, inner, 'only the first `or` kept, as Keepalived does', 'warning');
    const kept = multipath.filter((w) => !TRACKING.has(w));
    if (kept.length < multipath.length) t.note(s, inner, 'no_track dropped: tandem does not watch its routes and rules for deletion');
    const spec = (kind === 'route' ? parseRouteSpec : parseRuleSpec)(kept.join(' '));
    const broken = kept.find(looksLikeBadAddress);
    if (!spec && broken !== undefined) {
      // Keepalived cannot read the address either: it skips the line and runs on.
      t.note(s, inner, `Keepalived refuses the address "${broken}" and skips the ${kind}; so does this import`, 'warning');
      continue;
    }
    if (!spec) {
      t.untranslated(s, inner, `a ${kind} in words tandem does not take (${kind === 'route' ? 'ip route' : 'ip rule'} words: see the config reference)`);
      continue;
    }
    // A route with no gateway: `ip route` gives it scope link, Keepalived (netlink) global.
    const global = kind === 'route' && routeType(spec.argv) === 'unicast' && !spec.argv.includes('via') && !spec.argv.includes('scope');
    const argv = global ? [...spec.argv, 'scope', 'global'] : spec.argv;
    const text = argv.join(' ');
    if (out.includes(text)) t.note(s, inner, `the same ${kind} twice; kept once`);
    else out.push(text);
  }
  return out;
}

/** static_ipaddress: `ADDRESS[/PREFIX] dev IF [scope S] [brd B]` each; other address options are dropped (differs). */
export function translateStaticAddresses(t: Reporter, block: KStatement, defaultInterface: string | undefined): string[] {
  const out: string[] = [];
  for (const s of block.children ?? []) {
    if (!isVip(s.keyword)) {
      t.note(s, block.keyword, `Keepalived skips "${s.keyword}", which is not an address; so does this import`, 'warning');
      continue;
    }
    const options = vipOptions(s.keyword, s.args);
    const dev = options.dev ?? defaultInterface;
    if (dev === undefined) {
      t.untranslated(s, block.keyword, 'an address without `dev` (and no default_interface)');
      continue;
    }
    if (options.label) t.note(s, block.keyword, `label ${options.label} dropped (a name \`ip addr\` shows; traffic is the same)`);
    const dropped = options.known.filter((o) => !TRACKING.has(o));
    if (dropped.length) t.differs(s, block.keyword, `options dropped: ${dropped.join(' ')}`);
    const text = [s.keyword, 'dev', dev, ...keptVipOptions(options)].join(' ');
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

interface VipOptions {
  dev?: string;
  label?: string;
  scope?: string;
  broadcast?: string;
  known: string[];
  unknown: string[];
}

/** The words tandem keeps of an address's options: `scope S`, `brd B`. */
export function keptVipOptions(o: VipOptions): string[] {
  return [...(o.scope ? ['scope', o.scope] : []), ...(o.broadcast ? ['brd', o.broadcast] : [])];
}

/** Address options Keepalived knows on a virtual_ipaddress line (besides dev, label, and the scope and brd tandem takes), and whether each takes a value. */
const VIP_OPTIONS: Record<string, boolean> = {
  scope: true,
  brd: true,
  broadcast: true,
  peer: true,
  preferred_lft: true,
  protocol: true,
  home: false,
  '-nodad': false,
  nodad: false,
  noprefixroute: false,
  autojoin: false,
  track: false,
  no_track: false,
};

/** The options of a virtual_ipaddress line: `dev IF`, `label L`, `scope S`, the others Keepalived knows (with their values), and words it does not. */
export function vipOptions(address: string, args: string[]): VipOptions {
  const out: VipOptions = { known: [], unknown: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === 'dev') out.dev = args[++i];
    else if (a === 'scope' && isScope(args[i + 1] ?? '')) out.scope = args[++i];
    else if ((a === 'brd' || a === 'broadcast') && args[i + 1] !== undefined && isInstanceVip(`${address} brd ${args[i + 1]}`)) out.broadcast = args[++i];
    else if (a === 'label') out.label = args[++i];
    else if (!(a in VIP_OPTIONS)) out.unknown.push(a);
    else {
      out.known.push(a);
      // An option with a value takes the next word with it.
      if (VIP_OPTIONS[a] && i + 1 < args.length) out.known.push(args[++i] as string);
    }
  }
  return out;
}
