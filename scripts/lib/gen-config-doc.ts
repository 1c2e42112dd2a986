// Rewrites the config reference in README.md from the schema: `npm run docs`.
import { readFileSync, writeFileSync } from 'node:fs';
import { withReference } from '../../src/config/reference.js';

writeFileSync('README.md', withReference(readFileSync('README.md', 'utf8')));
console.log('README.md: config reference updated');
