import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests (no privileges) and integration suites that build network
// namespaces and run real daemons (root, iproute2, keepalived). Files run one at a time so the
// integration suites never contend for the machine's two cores and their timing stays honest.
export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'netns',
          include: ['test/netns/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          globalSetup: ['test/support/netns-global.ts'],
        },
      },
      {
        // Real IPVS: runs inside the qemu VM (scripts/vm), which scripts/test starts.
        test: {
          name: 'vm',
          include: ['test/vm/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          globalSetup: ['test/support/vm-global.ts'],
        },
      },
    ],
  },
});
