/**
 * The process entry of the CLI, shared by bin/sepm-intake.js (sources through tsx) and the build
 * (`node dist/src/cli/entry.js`). Before any command runs, an uncaught exception or unhandled rejection is made
 * fatal (logged, exit 1); the command modules load after that, so even a throw while importing them is covered.
 */
import { installFatalHandlers } from './fatal.ts';

installFatalHandlers();
const { main } = await import('./index.ts');
process.exitCode = await main(process.argv.slice(2));
