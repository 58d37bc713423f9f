#!/usr/bin/env node
// Entry point of the `rados` command; the implementation lives in src/cli/rados/ (compiled to dist/).
import { main } from '../dist/src/cli/rados/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
