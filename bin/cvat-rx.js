#!/usr/bin/env node
// Loads the built command line (`npm run build` writes dist/cli.js from src/cli/bin.ts).
import '../dist/cli.js';
