import { compareAddresses } from './address.js';
import type { Advert, AdvertKind } from './advert.js';
import { DEAF, type Hearing, hear, missedAdvertsBeforeTakeover } from './patience.js';
import { peerLifetimeMs, skewTimeMs } from './timers.js';

/*
 * The VRRP state machine of one instance, as a pure step function: step(machine, event, now)
 * returns the next machine and the actions to perform (send, add/remove VIPs, GARP, log).
 * Timers are deadlines kept in the machine; the runtime wakes at nextDeadline() and feeds a
 * 'tick'. RFC 5798 section 6.4 is the reference; where tandem differs it says so.
 */

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

export interface InstanceParams {
  vrid: number;
  /** Our primary address: the advert's sender and the equal-priority tie-break. */
  address: string;
  /** Configured priority, 1-255 (255: address owner). */
  priority: number;
  intervalCs: number;
  preempt: boolean;
  preemptDelayMs: number;
  /** Canonical VIP addresses, sorted; compared with what peers announce. */
  vips: string[];
}

export interface Peer {
  kind: AdvertKind;
  priority: number;
  intervalCs: number;
  lastSeen: number;
  /** Last configuration mismatch reported for this peer, so each is logged once. */
  mismatch?: string;
}

export interface Machine {
  params: InstanceParams;
  state: VrrpState;
  /** Effective priority: configured plus tracking weights. */
  priority: number;
  masterAdverIntervalCs: number;
  /** The master we follow (BACKUP) or undefined. */
  master?: { address: string; priority: number };
  masterDownAt?: number;
  advertAt?: number;
  /** When a pending preemption of a lower-priority master may happen (preempt_delay). */
  preemptAt?: number;
  /** After a step-down: no preemption before this time. */
  holdUntil?: number;
  /**
   * After a graceful leave (shutdown, step-down) the VIPs stay until a successor's advert is
   * heard or this deadline passes, so clients are never left with nobody answering.
   */
  releaseAt?: number;
  faults: string[];
  peers: Record<string, Peer>;
  /** The loss measured on the masters' adverts, which sets how long silence is waited out. */
  hearing: Hearing;
}

export type Event =
  | { type: 'start' }
  /**
   * groupHold: another member of our sync group follows a live master, so our own master down
   * timer must not take the group over (it would pull that member off its master: a flap).
   */
  | { type: 'tick'; groupHold?: string }
  | { type: 'advert'; advert: Advert }
  | { type: 'priority'; priority: number }
  | { type: 'faults'; faults: string[] }
  | { type: 'shutdown' }
  | { type: 'stepDown'; holdMs: number }
  | { type: 'force'; to: 'MASTER' | 'BACKUP'; reason: string }
  /** A reload moved the instance to another address (interface): state and timers stay. */
  | { type: 'readdress'; address: string }
  /** A reload changed settings that need no restart: preemption and the VIP list. */
  | { type: 'configure'; preempt: boolean; preemptDelayMs: number; vips: string[] };

export type Action =
  | { type: 'send'; kind: AdvertKind; priority: number }
  | { type: 'addVips' }
  | { type: 'removeVips' }
  | { type: 'garp' }
  | { type: 'transition'; from: VrrpState; to: VrrpState; reason: string }
  | { type: 'mismatch'; peer: string; detail: string }
  /** A master's VIP list changed: add and remove just these addresses (canonical text). */
  | { type: 'changeVips'; add: string[]; remove: string[] };

export interface StepResult {
  machine: Machine;
  actions: Action[];
}

export function createMachine(params: InstanceParams): Machine {
  return {
    params,
    state: 'INIT',
    priority: params.priority,
    masterAdverIntervalCs: params.intervalCs,
    faults: [],
    peers: {},
    hearing: DEAF,
  };
}

/** When the runtime must feed the next 'tick', or undefined when nothing is armed. */
export function nextDeadline(m: Machine): number | undefined {
  const times = [m.advertAt, m.masterDownAt, m.releaseAt];
  // A pending preemption waits for preempt_delay and for any step-down hold.
  if (m.state === 'BACKUP' && m.preemptAt !== undefined) times.push(Math.max(m.preemptAt, m.holdUntil ?? 0));
  const set = times.filter((t): t is number => t !== undefined && Number.isFinite(t));
  return set.length ? Math.min(...set) : undefined;
}

export function step(m: Machine, event: Event, now: number): StepResult {
  switch (event.type) {
    case 'start':
      return onStart(m, now);
    case 'tick':
      return onTick(m, now, event.groupHold);
    case 'advert':
      return onAdvert(m, event.advert, now);
    case 'priority':
      return onPriority(m, event.priority, now);
    case 'faults':
      return onFaults(m, event.faults, now);
    case 'shutdown':
      return onShutdown(m, now);
    case 'stepDown':
      return onStepDown(m, event.holdMs, now);
    case 'force':
      return onForce(m, event.to, event.reason, now);
    case 'configure':
      return onConfigure(m, event);
    case 'readdress':
      return onReaddress(m, event.address, now);
  }
}

function intervalMs(m: Machine): number {
  return m.params.intervalCs * 10;
}

/** How long a leaving master keeps its VIPs while waiting to hear its successor. */
export function releaseGraceMs(intervalCs: number): number {
  return Math.min(3 * intervalCs * 10, 1000);
}

function release(m: Machine): StepResult {
  return { machine: { ...m, releaseAt: undefined }, actions: [{ type: 'removeVips' }] };
}

function enterMaster(m: Machine, reason: string, now: number): StepResult {
  return {
    machine: {
      ...m,
      state: 'MASTER',
      master: { address: m.params.address, priority: m.priority },
      masterDownAt: undefined,
      preemptAt: undefined,
      holdUntil: undefined,
      releaseAt: undefined,
      advertAt: now + intervalMs(m),
    },
    actions: [
      { type: 'transition', from: m.state, to: 'MASTER', reason },
      { type: 'addVips' },
      { type: 'garp' },
      { type: 'send', kind: 'master', priority: m.priority },
    ],
  };
}

/** BACKUP, following `master` (if known), with the master-down timer armed. */
function enterBackup(
  m: Machine,
  reason: string,
  now: number,
  master?: { address: string; priority: number; intervalCs: number },
): StepResult {
  const adverInterval = master?.intervalCs ?? m.params.intervalCs;
  const actions: Action[] = [{ type: 'transition', from: m.state, to: 'BACKUP', reason }];
  if (m.state === 'MASTER') actions.push({ type: 'removeVips' });
  // Tell the peers at once that a candidate is here (tandem's presence advert).
  actions.push({ type: 'send', kind: 'backup', priority: m.priority });
  return {
    machine: {
      ...m,
      state: 'BACKUP',
      master: master ? { address: master.address, priority: master.priority } : undefined,
      masterAdverIntervalCs: adverInterval,
      masterDownAt: now + masterDownMs(m, adverInterval),
      advertAt: now + intervalMs(m),
      preemptAt: undefined,
    },
    actions,
  };
}

/** FAULT or INIT: no VIPs, no timers; peers are told we are gone with a priority-0 advert. */
function enterPassive(m: Machine, to: 'FAULT' | 'INIT', reason: string, now: number): StepResult {
  const actions: Action[] = [{ type: 'transition', from: m.state, to, reason }];
  let releaseAt = m.releaseAt;
  if (m.state === 'MASTER') {
    actions.push({ type: 'send', kind: 'master', priority: 0 });
    // A fault means we cannot serve: drop the VIPs now. A shutdown hands over first.
    if (to === 'INIT') releaseAt = now + releaseGraceMs(m.params.intervalCs);
    else actions.push({ type: 'removeVips' });
  } else if (m.state === 'BACKUP') {
    actions.push({ type: 'send', kind: 'backup', priority: 0 });
  }
  if (to === 'FAULT' && releaseAt !== undefined) {
    actions.push({ type: 'removeVips' });
    releaseAt = undefined;
  }
  return {
    machine: {
      ...m,
      state: to,
      releaseAt,
      master: undefined,
      masterDownAt: undefined,
      advertAt: undefined,
      preemptAt: undefined,
    },
    actions,
  };
}

function none(m: Machine): StepResult {
  return { machine: m, actions: [] };
}

function onStart(m: Machine, now: number): StepResult {
  if (m.state !== 'INIT') return none(m);
  if (m.faults.length) return enterPassive(m, 'FAULT', `fault at start: ${m.faults.join(', ')}`, now);
  if (m.priority === 255) return enterMaster(m, 'address owner (priority 255) at start', now);
  return enterBackup(m, 'start', now);
}

function onTick(m0: Machine, now: number, groupHold?: string): StepResult {
  if (m0.releaseAt !== undefined && now >= m0.releaseAt) {
    const released = release(m0);
    const rest = onTick(released.machine, now, groupHold);
    return { machine: rest.machine, actions: [...released.actions, ...rest.actions] };
  }
  const m = m0;
  if (m.state === 'MASTER') {
    if (m.advertAt !== undefined && now >= m.advertAt) {
      return {
        machine: { ...m, advertAt: now + intervalMs(m) },
        actions: [{ type: 'send', kind: 'master', priority: m.priority }],
      };
    }
    return none(m);
  }
  if (m.state !== 'BACKUP') return none(m);
  if (m.masterDownAt !== undefined && now >= m.masterDownAt) {
    // tandem: a live backup that outranks us will take over itself in a moment; racing it
    // would put the VIPs on two directors at once (both starting together, or a crashed master).
    const better = betterLiveBackup(m, now);
    if (better || groupHold) return none({ ...m, masterDownAt: now + intervalMs(m) });
    const who = m.master ? `master ${m.master.address} silent` : 'no master heard';
    return enterMaster(m, `master down timer expired (${who})`, now);
  }
  let next = m;
  if (m.preemptAt !== undefined && now >= Math.max(m.preemptAt, m.holdUntil ?? 0)) {
    if (m.master && outranks(m, m.master) && mayPreempt(m, now)) {
      return enterMaster(m, `preempting lower-priority master ${m.master.address} (${m.master.priority})`, now);
    }
    next = { ...m, preemptAt: undefined };
  }
  if (next.advertAt !== undefined && now >= next.advertAt) {
    return {
      machine: { ...next, advertAt: now + intervalMs(next) },
      actions: [{ type: 'send', kind: 'backup', priority: next.priority }],
    };
  }
  return none(next);
}

/** Do we beat this master on priority, with the higher address winning a tie? */
function outranks(m: Machine, other: { address: string; priority: number }): boolean {
  if (m.priority !== other.priority) return m.priority > other.priority;
  return compareAddresses(m.params.address, other.address) > 0;
}

function mayPreempt(m: Machine, now: number): boolean {
  if (!m.params.preempt) return false;
  if (m.holdUntil !== undefined && now < m.holdUntil) return false;
  return m.preemptAt !== undefined && now >= m.preemptAt;
}

function isLive(peer: Peer, now: number): boolean {
  return now - peer.lastSeen <= peerLifetimeMs(peer.intervalCs);
}

function betterLiveBackup(m: Machine, now: number): string | undefined {
  return Object.entries(m.peers).find(([address, p]) => p.kind === 'backup' && isLive(p, now) && !outranks(m, { address, priority: p.priority }))?.[0];
}

/**
 * RFC 5798's Master_Down_Interval, 3 x interval + Skew_Time, with more missed adverts waited
 * for while the link is measured losing them (patience.ts). No shortcut for the best candidate:
 * waiting less than Keepalived would mean more false takeovers than Keepalived.
 */
export function masterDownMs(m: Machine, intervalCs: number): number {
  return missedAdvertsBeforeTakeover(m.hearing.loss) * intervalCs * 10 + skewTimeMs(m.priority, intervalCs);
}

/** tandem's fast handover: is no live peer (other than `leaving`) a better master than us? */
function isBestCandidate(m: Machine, leaving: string, now: number): boolean {
  for (const [address, peer] of Object.entries(m.peers)) {
    if (address === leaving || !isLive(peer, now)) continue;
    if (!outranks(m, { address, priority: peer.priority })) return false;
  }
  return true;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function mismatchOf(m: Machine, a: Advert): string | undefined {
  const problems: string[] = [];
  if (a.intervalCs !== m.params.intervalCs) {
    problems.push(`advert interval ${a.intervalCs} cs; ours is ${m.params.intervalCs} cs`);
  }
  const theirs = [...a.vips].sort();
  if (!sameList(theirs, m.params.vips)) {
    problems.push(`VIPs [${theirs.join(', ')}]; ours are [${m.params.vips.join(', ')}]`);
  }
  return problems.length ? problems.join('; ') : undefined;
}

function recordPeer(m: Machine, a: Advert, now: number): { machine: Machine; actions: Action[] } {
  const peers = { ...m.peers };
  const actions: Action[] = [];
  if (a.priority === 0) {
    delete peers[a.sender];
    return { machine: { ...m, peers }, actions };
  }
  const mismatch = mismatchOf(m, a);
  if (mismatch && mismatch !== m.peers[a.sender]?.mismatch) {
    actions.push({ type: 'mismatch', peer: a.sender, detail: mismatch });
  }
  peers[a.sender] = { kind: a.kind, priority: a.priority, intervalCs: a.intervalCs, lastSeen: now, mismatch };
  return { machine: { ...m, peers }, actions };
}

function onAdvert(m0: Machine, a: Advert, now: number): StepResult {
  if (a.vrid !== m0.params.vrid || a.sender === m0.params.address) return none(m0);
  const recorded = recordPeer(m0, a, now);
  let m = recorded.machine;
  const actions = recorded.actions;
  if (m.releaseAt !== undefined && a.kind === 'master' && a.priority > 0) {
    // The successor speaks (it sends its first advert once its VIPs are in place): let go.
    const released = release(m);
    m = released.machine;
    actions.push(...released.actions);
  }
  const then = (r: StepResult): StepResult => ({ machine: r.machine, actions: [...actions, ...r.actions] });
  if (a.kind !== 'master') return { machine: m, actions };

  if (m.state === 'BACKUP') {
    if (a.priority > 0) m = { ...m, hearing: hear(m.hearing, a.sender, now, a.intervalCs) };
    if (a.priority === 0) {
      // RFC 5798: wait Skew_Time. tandem: the best remaining candidate need not wait.
      if (isBestCandidate(m, a.sender, now)) {
        return then(enterMaster(m, `master ${a.sender} left (priority 0); we are the best remaining candidate`, now));
      }
      return then({
        machine: { ...m, master: undefined, masterDownAt: now + skewTimeMs(m.priority, m.masterAdverIntervalCs) },
        actions: [],
      });
    }
    const master = { address: a.sender, priority: a.priority };
    const follow: Machine = {
      ...m,
      master,
      masterAdverIntervalCs: a.intervalCs,
      masterDownAt: now + masterDownMs(m, a.intervalCs),
    };
    if (!m.params.preempt || a.priority >= m.priority) return then({ machine: { ...follow, preemptAt: undefined }, actions: [] });
    // A lower-priority master and we may preempt: at once, or after preempt_delay.
    const preemptAt = m.preemptAt ?? now + m.params.preemptDelayMs;
    const pending: Machine = { ...follow, preemptAt };
    if (mayPreempt(pending, now)) {
      return then(enterMaster(pending, `preempting lower-priority master ${a.sender} (${a.priority})`, now));
    }
    return then({ machine: pending, actions: [] });
  }

  if (m.state === 'MASTER') {
    if (a.priority === 0) {
      return then({
        machine: { ...m, advertAt: now + intervalMs(m) },
        actions: [{ type: 'send', kind: 'master', priority: m.priority }],
      });
    }
    if (!outranks(m, { address: a.sender, priority: a.priority })) {
      return then(
        enterBackup(m, `higher-priority master ${a.sender} (${a.priority})`, now, {
          address: a.sender,
          priority: a.priority,
          intervalCs: a.intervalCs,
        }),
      );
    }
    // A lower-priority master: re-assert at once rather than wait for our next advert.
    return then({
      machine: { ...m, advertAt: now + intervalMs(m) },
      actions: [
        { type: 'send', kind: 'master', priority: m.priority },
        { type: 'garp' },
      ],
    });
  }
  return { machine: m, actions };
}

/** A master tells its peers its new address at once (they follow it as they would any master). */
function onReaddress(m0: Machine, address: string, now: number): StepResult {
  if (address === m0.params.address) return none(m0);
  const m = { ...m0, params: { ...m0.params, address } };
  if (m.state !== 'MASTER') return none(m);
  return { machine: { ...m, advertAt: now + intervalMs(m) }, actions: [{ type: 'send', kind: 'master', priority: m.priority }] };
}

function onPriority(m0: Machine, requested: number, now: number): StepResult {
  // The address owner keeps 255; tracking moves others within 1-254.
  const priority = m0.params.priority === 255 ? 255 : Math.min(254, Math.max(1, requested));
  if (priority === m0.priority) return none(m0);
  const m = { ...m0, priority };
  if (m.state === 'MASTER') {
    return { machine: { ...m, advertAt: now + intervalMs(m) }, actions: [{ type: 'send', kind: 'master', priority }] };
  }
  if (m.state === 'BACKUP' && m.master && m.params.preempt && outranks(m, m.master)) {
    const pending = { ...m, preemptAt: m.preemptAt ?? now + m.params.preemptDelayMs };
    if (mayPreempt(pending, now)) {
      return enterMaster(pending, `priority rose to ${priority}, above master ${m.master.address} (${m.master.priority})`, now);
    }
    return none(pending);
  }
  return none(m);
}

/**
 * New preemption settings and VIPs, state and timers untouched. A master adds and removes only
 * the addresses that changed, and tells the peers at once.
 */
function onConfigure(m0: Machine, e: Extract<Event, { type: 'configure' }>): StepResult {
  const vips = [...e.vips].sort();
  const add = vips.filter((v) => !m0.params.vips.includes(v));
  const remove = m0.params.vips.filter((v) => !vips.includes(v));
  const m: Machine = { ...m0, params: { ...m0.params, preempt: e.preempt, preemptDelayMs: e.preemptDelayMs, vips } };
  if (m.state !== 'MASTER' || (!add.length && !remove.length)) return none(m);
  return { machine: m, actions: [{ type: 'changeVips', add, remove }, { type: 'send', kind: 'master', priority: m.priority }] };
}

function onFaults(m0: Machine, faults: string[], now: number): StepResult {
  const m = { ...m0, faults: [...faults].sort() };
  if (m.state === 'INIT') return none(m);
  if (faults.length && m.state !== 'FAULT') return enterPassive(m, 'FAULT', m.faults.join(', '), now);
  if (!faults.length && m.state === 'FAULT') {
    if (m.priority === 255) return enterMaster(m, 'fault cleared; address owner', now);
    return enterBackup(m, 'fault cleared', now);
  }
  return none(m);
}

function onShutdown(m: Machine, now: number): StepResult {
  if (m.state === 'INIT') return none(m);
  return enterPassive(m, 'INIT', 'shutdown', now);
}

function onStepDown(m: Machine, holdMs: number, now: number): StepResult {
  if (m.state !== 'MASTER') return none({ ...m, holdUntil: now + holdMs });
  // Priority 0 hands over at once; the hold keeps us from preempting straight back. The VIPs
  // stay until the successor is heard (releaseAt), so the handover leaves no gap.
  const down = enterBackup({ ...m, holdUntil: now + holdMs }, 'step-down requested', now);
  return {
    machine: { ...down.machine, master: undefined, releaseAt: now + releaseGraceMs(m.params.intervalCs) },
    actions: [{ type: 'send', kind: 'master', priority: 0 }, ...down.actions.filter((a) => a.type !== 'removeVips')],
  };
}

function onForce(m: Machine, to: 'MASTER' | 'BACKUP', reason: string, now: number): StepResult {
  if (to === 'MASTER' && m.state === 'BACKUP') return enterMaster(m, reason, now);
  if (to === 'BACKUP' && m.state === 'MASTER') return enterBackup(m, reason, now);
  return none(m);
}
