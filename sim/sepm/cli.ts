/**
 * `sepm-intake sim sepm [--port N] [--host H] [--http] [--computers N] [--seed N] [--step-ms N]`:
 * runs the SEPM simulator in the foreground until SIGINT/SIGTERM.
 */
import { startSepmSim } from './index.ts';
import type { SepmSimOptions } from './types.ts';

const USAGE = 'usage: sepm-intake sim sepm [--port N] [--host H] [--http] [--computers N] [--seed N] [--step-ms N]\n';

function intArg(name: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer`);
  return n;
}

export function parseArgs(args: string[]): SepmSimOptions {
  const opts: SepmSimOptions = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string | undefined => args[++i];
    if (a === '--http') opts.tls = false;
    else if (a === '--port') opts.port = intArg(a, next());
    else if (a === '--host') opts.host = next() ?? '127.0.0.1';
    else if (a === '--computers') opts.computers = intArg(a, next());
    else if (a === '--seed') opts.seed = intArg(a, next());
    else if (a === '--step-ms') opts.commandStepMs = intArg(a, next());
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let opts: SepmSimOptions;
  try {
    opts = parseArgs(args);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const sim = await startSepmSim(opts);
  const c = sim.credentials;
  // A local test double: printing its generated credentials is the point of this command.
  process.stdout.write(
    [
      `SEPM simulator listening on ${sim.url} (base path /sepm/api/v1)`,
      `  computers: ${sim.state.computers.length}, domains: ${sim.state.domains.map((d) => d.name).join(', ')}`,
      `  username: ${c.username}`,
      `  password: ${c.password}`,
      `  domain:   ${c.domain === '' ? '(default)' : c.domain}`,
      sim.caFile ? `  CA file:  ${sim.caFile}` : '  plain HTTP (no TLS)',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sim.stop();
  return 0;
}
