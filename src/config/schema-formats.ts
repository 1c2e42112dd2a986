import { isIPv4, isIPv6 } from 'node:net';
import { isAddress } from '../vrrp/address.js';
import { isRouteSpec, isRuleSpec } from './ip-spec.js';
import { isInstanceVip, isVip } from './vip.js';

/**
 * The string formats the config schema uses. One object, so that the validator compiled at
 * build time (which refers to it by name) and the one compiled at run time check alike.
 */
export const schemaFormats: Record<string, (text: string) => boolean> = {
  ipv4: (text) => isIPv4(text),
  // A zone (`%eth0`) means nothing in a multicast group or a netmask.
  ipv6: (text) => isIPv6(text) && !text.includes('%'),
  ip: isAddress,
  vip: isVip,
  'instance-vip': isInstanceVip,
  route: isRouteSpec,
  rule: isRuleSpec,
};
