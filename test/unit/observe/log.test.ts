import { describe, expect, it } from 'vitest';
import { run } from '../../support/programs.js';

// The logger in a child process: what it writes on stdout is what an operator sees.
const logOnce = async (format: string) =>
  (
    await run(process.execPath, [
      '--import',
      'tsx',
      '-e',
      `import('./src/observe/log.ts').then((m) => m.createLogger('info', '${format}').info({ instance: 'VI_1', password: 'hunter2-secret', auth: { key: 'k-secret' } }, 'BACKUP -> MASTER'))`,
    ])
  ).stdout;

describe('logs', () => {
  it('are JSON lines by default, with secrets redacted', async () => {
    const line = JSON.parse(await logOnce('json')) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, msg: 'BACKUP -> MASTER', instance: 'VI_1', password: '[redacted]', auth: { key: '[redacted]' } });
  });

  it('are readable lines with --log-format pretty, secrets still redacted', async () => {
    const text = await logOnce('pretty');
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: BACKUP -> MASTER/);
    expect(text).toMatch(/instance: "VI_1"/);
    expect(text).not.toMatch(/secret/);
  });
});
