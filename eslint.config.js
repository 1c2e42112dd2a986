import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests, the lab and the benches start programs through test/support/programs.ts, which
    // checks each against scripts/lib/programs (what the scripts install) and names the package
    // of a missing one.
    files: ['test/**', 'scripts/lib/**'],
    ignores: ['test/support/programs.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'execa', message: 'start programs with run() from test/support/programs.ts', allowTypeImports: true },
            { name: 'node:child_process', message: 'start programs with run() or spawn() from test/support/programs.ts', allowTypeImports: true },
            { name: 'child_process', message: 'start programs with run() or spawn() from test/support/programs.ts', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly' } },
  },
);
