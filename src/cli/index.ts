import { describeError } from '../shared/errors.ts';

/**
 * `sepm-intake <command>`: each command lives in ./commands/<name>.ts and exports
 * `run(args: string[]): Promise<number>` (the exit code). Loading is lazy so `parse` never pulls in BullMQ.
 */
export const COMMANDS: Record<string, string> = {
  start: 'run the service (--role watcher|worker|enrich|web|all, --config FILE)',
  demo: 'run everything against the built-in SEPM simulator, drop the fixture mails, create a demo user',
  parse: 'parse SEPM mail files (or - for stdin) and print the decision as JSON',
  replay: 'enqueue .eml files or directories into the intake queue',
  sep: 'run one SEP function against the configured SEPM (sep --list)',
  sim: 'run a simulator: sim sepm | sim soar',
  incidents: 'list or show incidents of the embedded store',
  'check-config': 'validate a configuration file',
  'hash-password': 'print a password hash for http.users[].passwordHash',
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printUsage();
    return name ? 0 : 2;
  }
  if (!(name in COMMANDS)) {
    process.stderr.write(`sepm-intake: unknown command '${name}'\n`);
    printUsage();
    return 2;
  }
  try {
    const mod = (await import(`./commands/${name}.ts`)) as { run: (args: string[]) => Promise<number> };
    return await mod.run(rest);
  } catch (err) {
    process.stderr.write(`sepm-intake ${name}: ${describeError(err)}\n`);
    return 1;
  }
}

function printUsage(): void {
  const lines = Object.entries(COMMANDS).map(([n, d]) => `  ${n.padEnd(14)} ${d}`);
  process.stderr.write(`usage: sepm-intake <command> [options]\n\n${lines.join('\n')}\n`);
}
