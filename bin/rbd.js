#!/usr/bin/env node
// Entry point of the `rbd` command; the implementation lives in src/cli/rbd/ (compiled to dist/).
import { main } from '../dist/src/cli/rbd/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
