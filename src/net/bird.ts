import { rename, writeFile } from 'node:fs/promises';
import { birdStaticConfig } from '../cluster/announce.js';
import { run } from './exec.js';

/** The seam between cluster mode and the BGP speaker (none in the simulator). */
export interface RouteAnnouncer {
  /** Announces exactly these addresses (withdraws the others); resolves once the speaker took it. */
  announce(addresses: string[]): Promise<void>;
}

/** What birdc says when a configure went in. */
const ACCEPTED = /Reconfigured|Reconfiguration in progress|Reconfiguration already in progress, queueing/;

/**
 * BIRD 2 as the operator runs it: tandem writes a static protocol per family into its own file
 * (bird.conf includes it and exports it over BGP) and asks BIRD to re-read its config. The file
 * is replaced by a rename, so BIRD never reads half of it.
 */
export class BirdAnnouncer implements RouteAnnouncer {
  private last?: string;

  constructor(private readonly options: { file: string; socket: string; protocol: string }) {}

  async announce(addresses: string[]): Promise<void> {
    const text = birdStaticConfig(this.options.protocol, [...addresses].sort());
    if (text === this.last) return;
    const tmp = `${this.options.file}.tandem-tmp`;
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, this.options.file);
    const out = await run('birdc', ['-s', this.options.socket, 'configure'], { timeoutMs: 10_000 });
    if (!ACCEPTED.test(out)) throw new Error(`birdc -s ${this.options.socket} configure did not take ${this.options.file}: ${out.trim().split('\n').slice(-2).join(' ')}`);
    this.last = text;
  }
}
