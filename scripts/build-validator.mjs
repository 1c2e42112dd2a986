// Part of `npm run build`: writes the config validator, compiled by ajv now, as plain code
// into dist/ (see src/config/schema-ajv.ts), so the daemon never loads ajv's compiler.
import { writeFileSync } from 'node:fs';
import { validatorSource } from '../dist/config/schema-ajv.js';

writeFileSync(new URL('../dist/config/schema-validator.js', import.meta.url), validatorSource());
