
import { run } from './programs.js';

/** The VM suite needs a kernel with IPVS: here, the guest of scripts/vm. */
export default async function setup(): Promise<void> {
  const probe = await run('ipvsadm', ['-Ln'], { reject: false });
  if (probe.exitCode !== 0) {
    throw new Error(
      `the vm suite needs a kernel with IPVS (ipvsadm -Ln: ${probe.stderr.trim() || probe.exitCode}); run it through scripts/vm, as scripts/test does: scripts/vm -- npx vitest run --project vm`,
    );
  }
}
