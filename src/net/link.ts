import { readFile } from 'node:fs/promises';

const IFF_UP = 0x1;

/**
 * Whether an interface can carry traffic: it exists, is administratively up and has carrier.
 * Read from sysfs, which `ip netns exec` remounts for the namespace.
 */
export async function linkState(iface: string): Promise<{ up: boolean; why?: string }> {
  const base = `/sys/class/net/${iface}`;
  let flags: number;
  try {
    flags = parseInt(await readFile(`${base}/flags`, 'utf8'), 16);
  } catch {
    return { up: false, why: `${iface} missing` };
  }
  if (!(flags & IFF_UP)) return { up: false, why: `${iface} admin down` };
  try {
    if ((await readFile(`${base}/carrier`, 'utf8')).trim() !== '1') return { up: false, why: `${iface} no carrier` };
  } catch {
    return { up: false, why: `${iface} no carrier` };
  }
  return { up: true };
}

/**
 * Polls the links of a set of interfaces and reports changes. A poll reads two small sysfs
 * files per interface, so a short period costs little and keeps link-loss detection prompt.
 */
export class LinkWatcher {
  private timer?: NodeJS.Timeout;
  private readonly last = new Map<string, string | undefined>();

  constructor(
    private readonly ifaces: string[],
    private readonly onChange: (iface: string, down: string | undefined) => void,
    private readonly periodMs = 50,
  ) {}

  /** Reads every link once (reporting each), then keeps polling. */
  async start(): Promise<void> {
    await this.poll(true);
    this.timer = setInterval(() => void this.poll(false), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async poll(first: boolean): Promise<void> {
    for (const iface of this.ifaces) {
      const state = await linkState(iface);
      const down = state.up ? undefined : state.why;
      if (first || this.last.get(iface) !== down) {
        this.last.set(iface, down);
        this.onChange(iface, down);
      }
    }
  }
}
