/**
 * `sepm-intake sim sepm|soar [options]`: runs a simulator in the foreground. Each simulator owns its
 * options in sim/<name>/cli.ts, which exports run(args).
 */
const SIMULATORS = ['sepm', 'soar'] as const;

export async function run(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || !(SIMULATORS as readonly string[]).includes(name)) {
    process.stderr.write(`usage: sepm-intake sim <${SIMULATORS.join('|')}> [options]\n`);
    return 2;
  }
  const mod = (await import(`../../../sim/${name}/cli.ts`)) as { run: (a: string[]) => Promise<number> };
  return mod.run(rest);
}
