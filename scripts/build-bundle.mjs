// Part of `npm run build`: the program as a few bundled files in dist/bundle/, which the
// `tandem` command runs. Loading 200 small modules one by one cost the daemon about 10 MB of
// memory and a third of its start-up (README, "Footprint"); the bundle loads the code of a
// command in one or two files. What a config may not need (mysql2, prom-client, nodemailer, the
// checkers) stays in chunks of its own, loaded when used. dist/ (the compiled modules) stays
// for the tests and tools that import single modules.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

// Built beside the old bundle and swapped in at the end, so that a daemon starting meanwhile
// (a test in another stream) never finds it half written. Chunks are named by their hash: an
// earlier build's would stay beside the new ones, so the old folder goes as a whole.
rmSync('dist/bundle.new', { recursive: true, force: true });

await build({
  entryPoints: { main: 'dist/cli/main.js', 'schema-validator': 'dist/config/schema-validator.js', 'services-worker': 'dist/daemon/services-worker.js', 'exec-worker': 'dist/net/exec-worker.js' },
  outdir: 'dist/bundle.new',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // A native addon: it finds its prebuilt binary next to its own files, in node_modules.
  external: ['netlink'],
  // CommonJS dependencies call require() for Node's own modules; ESM has none to give them.
  banner: { js: "import { createRequire as __tandemRequire } from 'node:module'; const require = __tandemRequire(import.meta.url);" },
  logLevel: 'warning',
});
rmSync('dist/bundle', { recursive: true, force: true });
renameSync('dist/bundle.new', 'dist/bundle');
// What ensure_build (scripts/lib/common.sh) compares the sources with.
writeFileSync('dist/.built', `${new Date().toISOString()}\n`);
