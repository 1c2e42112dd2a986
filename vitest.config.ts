import { defineConfig } from 'vitest/config';

// Three projects: pure unit tests and the simulator (no privileges; files side by side, one
// per core), integration suites that build network namespaces and run real daemons (root,
// iproute2, keepalived), and the real-IPVS suite. Integration files run one at a time so they
// never contend for the machine's cores and their timing stays honest.
export default defineConfig({
  test: {
    projects: [
      // The timeout guards against a hang, not speed: beside scripts/test's other streams a
      // CPU-bound test on a fake clock took more than vitest's default 5 s.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], fileParallelism: true, maxWorkers: '100%', testTimeout: 60_000 } },
      {
        test: {
          name: 'netns',
          fileParallelism: false,
          include: ['test/netns/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          globalSetup: ['test/support/netns-global.ts'],
        },
      },
      {
        // Real IPVS: runs inside the User-mode Linux kernel (scripts/vm), which scripts/test starts.
        test: {
          name: 'vm',
          fileParallelism: false,
          include: ['test/vm/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          globalSetup: ['test/support/vm-global.ts'],
        },
      },
    ],
  },
});
