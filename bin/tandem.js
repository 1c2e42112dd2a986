#!/usr/bin/env node
// The installed entry point: the CLI is compiled to dist/ by `npm ci` (the prepare script).
import '../dist/cli/main.js';
