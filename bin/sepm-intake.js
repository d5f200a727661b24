#!/usr/bin/env node
// Entry point: runs the TypeScript sources through tsx's ESM loader so no build step is needed to operate.
import { register } from 'tsx/esm/api';

register();
// Before any command: an uncaught exception or unhandled rejection is logged as fatal and exits 1.
const { installFatalHandlers } = await import('../src/cli/fatal.ts');
installFatalHandlers();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
