// Rewrites the config reference in README.md from the schema (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { withReference } from '../dist/config/reference.js';

writeFileSync('README.md', withReference(readFileSync('README.md', 'utf8')));
console.log('README.md: config reference updated');
