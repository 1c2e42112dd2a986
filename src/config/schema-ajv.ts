import { Ajv, _ } from 'ajv';
import type { Options, ValidateFunction } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { schemaFormats } from './schema-formats.js';
import { configSchema } from './schema.js';
import type { Config } from './schema.js';

// ajv's standalone entry is CommonJS; under NodeNext its default export arrives as the module object.
const standaloneCode = standaloneModule as unknown as typeof standaloneModule.default;

function configAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, useDefaults: true, strict: true, allowUnionTypes: true, ...extra });
  for (const [name, check] of Object.entries(schemaFormats)) ajv.addFormat(name, check);
  ajv.addKeyword({ keyword: 'hint', schemaType: 'string' });
  return ajv;
}

/** The config validator compiled now (from the TypeScript sources, where no build ran). */
export function compileValidator(): ValidateFunction<Config> {
  return configAjv().compile<Config>(configSchema);
}

/**
 * The config validator as the source of an ES module, for `npm run build` to write beside
 * schema-formats.js: the daemon then loads a few hundred kilobytes of plain code instead of
 * ajv's compiler and the compile (about 30 MB of memory and a second of CPU in a slow guest).
 */
export function validatorSource(): string {
  const ajv = configAjv({ code: { source: true, esm: true, formats: _`schemaFormats` } });
  const code = standaloneCode(ajv, ajv.compile(configSchema));
  // The generated code requires ajv's small runtime helpers (string length, deep equality).
  return [
    "import { createRequire } from 'node:module';",
    "import { schemaFormats } from './schema-formats.js';",
    'const require = createRequire(import.meta.url);',
    code,
  ].join('\n');
}
