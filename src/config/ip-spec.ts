import { isIP } from 'node:net';
import { IFNAME_PATTERN, isScope } from './vip.js';

/*
 * Routes and policy rules an operator asks tandem to keep (Keepalived's virtual_routes,
 * static_routes, virtual_rules and static_rules), written in `ip route` / `ip rule` words and
 * checked word by word against what those commands take, so that what reaches the command
 * line is exactly a route or a rule: each word a keyword tandem knows or a value of the shape
 * its keyword wants. The result is the argument list, `gw` spelt `via`.
 */

export interface IpSpec {
  /** The words for `ip route replace|del` or `ip rule add|del`. */
  argv: string[];
}

type Check = (value: string) => boolean;

const IFNAME = new RegExp(IFNAME_PATTERN);
const uint = (max: number): Check => (v) => /^\d{1,10}$/.test(v) && Number(v) <= max;
const U32 = uint(0xffffffff);
const word: Check = (v) => /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/.test(v);
const address: Check = (v) => isIP(v) !== 0 && !v.includes('%');
/** `ADDRESS` or `ADDRESS/PREFIX`, within the family's length. */
const prefix: Check = (v) => {
  const [a, p, ...rest] = v.split('/');
  if (rest.length || !a || !address(a)) return false;
  return p === undefined || (/^\d{1,3}$/.test(p) && Number(p) <= (isIP(a) === 4 ? 32 : 128));
};
const table: Check = (v) => U32(v) || word(v);
const range: Check = (v) => /^\d{1,5}(-\d{1,5})?$/.test(v) && v.split('-').every((n) => Number(n) <= 65535);
const mark: Check = (v) => /^(0x[0-9a-fA-F]{1,8}|\d{1,10})(\/(0x[0-9a-fA-F]{1,8}|\d{1,10}))?$/.test(v);

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat']);
const ROUTE_KEYS: Record<string, Check> = {
  via: address,
  dev: (v) => IFNAME.test(v),
  src: address,
  metric: U32,
  table,
  scope: isScope,
  proto: word,
  mtu: U32,
  advmss: U32,
  realm: word,
  initcwnd: U32,
  initrwnd: U32,
  window: U32,
  rtt: word,
  pref: (v) => ['low', 'medium', 'high'].includes(v),
};
const ROUTE_ALIASES: Record<string, string> = { gw: 'via', preference: 'metric', priority: 'metric', protocol: 'proto' };
const ROUTE_FLAGS = new Set(['onlink']);

/** A next hop of a multipath route: `nexthop [via GW] [dev IF] [weight N] [onlink]`, a gateway or a device at least. */
const NEXTHOP_KEYS: Record<string, Check> = { via: address, dev: ROUTE_KEYS.dev as Check, weight: (v) => uint(256)(v) && v !== '0' };
const NEXTHOP_ALIASES: Record<string, string> = { gw: 'via' };

/**
 * `[TYPE] [to] DEST|default [via GW] [dev IF] [src ADDR] [metric N] [table ID] [scope S] [proto P] [onlink] ...`,
 * then, for a route through several gateways (ECMP), `nexthop ...` groups instead of `via`.
 */
export function parseRouteSpec(text: string): IpSpec | undefined {
  const [head = '', ...hops] = ` ${text.trim()} `.split(/\snexthop(?=\s)/);
  const words = head.trim().split(/\s+/).filter(Boolean);
  const argv: string[] = [];
  let i = 0;
  if (ROUTE_TYPES.has(words[i] ?? '')) argv.push(words[i++] as string);
  if (words[i] === 'to') i++;
  const dest = words[i++];
  if (dest === undefined || !(dest === 'default' || prefix(dest))) return undefined;
  argv.push(dest);
  const route = keyValues(words.slice(i), ROUTE_KEYS, ROUTE_ALIASES, ROUTE_FLAGS, argv);
  if (!route || !hops.length) return route;
  if (route.argv.includes('via') || routeType(route.argv) !== 'unicast') return undefined;
  for (const hop of hops) {
    const nexthop = keyValues(hop.trim().split(/\s+/).filter(Boolean), NEXTHOP_KEYS, NEXTHOP_ALIASES, ROUTE_FLAGS, ['nexthop']);
    if (!nexthop || !(nexthop.argv.includes('via') || nexthop.argv.includes('dev'))) return undefined;
    route.argv.push(...nexthop.argv);
  }
  return route;
}

const RULE_KEYS: Record<string, Check> = {
  from: (v) => v === 'all' || prefix(v),
  to: (v) => v === 'all' || prefix(v),
  iif: (v) => IFNAME.test(v),
  oif: (v) => IFNAME.test(v),
  fwmark: mark,
  tos: uint(255),
  priority: U32,
  table,
  goto: U32,
  realms: word,
  uidrange: (v) => /^\d{1,10}-\d{1,10}$/.test(v),
  ipproto: word,
  sport: range,
  dport: range,
  suppress_prefixlength: uint(128),
  suppress_ifgroup: word,
};
const RULE_ALIASES: Record<string, string> = { pref: 'priority', preference: 'priority', order: 'priority', lookup: 'table', dsfield: 'tos' };
const RULE_FLAGS = new Set(['not', 'l3mdev', 'blackhole', 'unreachable', 'prohibit']);

/** `[not] [from P|all] [to P|all] [iif IF] [oif IF] [fwmark M[/M]] [priority N] [table ID|goto N|blackhole|...] ...`. */
export function parseRuleSpec(text: string): IpSpec | undefined {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return undefined;
  return keyValues(words, RULE_KEYS, RULE_ALIASES, RULE_FLAGS, []);
}

/** Keyword-value pairs and flags, each at most once, appended to `argv`. */
function keyValues(words: string[], keys: Record<string, Check>, aliases: Record<string, string>, flags: Set<string>, argv: string[]): IpSpec | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const key = Object.hasOwn(aliases, w) ? (aliases[w] as string) : w;
    if (seen.has(key)) return undefined;
    seen.add(key);
    if (flags.has(key)) {
      argv.push(key);
      continue;
    }
    const check = Object.hasOwn(keys, key) ? keys[key] : undefined;
    const value = words[++i];
    if (!check || value === undefined || !check(value)) return undefined;
    argv.push(key, value);
  }
  return { argv };
}

/** A route's type: its first word if that is one, else unicast. */
export function routeType(argv: string[]): string {
  return ROUTE_TYPES.has(argv[0] ?? '') ? (argv[0] as string) : 'unicast';
}

export const isRouteSpec = (text: string): boolean => parseRouteSpec(text) !== undefined;
export const isRuleSpec = (text: string): boolean => parseRuleSpec(text) !== undefined;
