import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/load.ts';
import { analyzeOptionsFromConfig, decideMail, type AnalyzeOptions, type MailDecision } from '../../intake/analyze.ts';
import { parseCommandArgs } from '../args.ts';

/**
 * `sepm-intake parse <file.eml | - | dir | files…> [--config FILE]`: runs the intake worker's decision
 * (intake/analyze.ts decideMail: envelope filter → decode → sender check → extract → artifacts → whitelist) and
 * prints it, with `decidedBy` naming the stage that decided; `accepted` and `rejectReason` are what the service does. One mail → one pretty JSON document; several
 * files or a directory → one JSON line per mail (with its `file`). Exit 0 when every mail was read; 1 when an input
 * could not be read (missing file, not a mail), with a one-line error per input on stderr.
 */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { config: { type: 'string', short: 'c' } });
  if (positionals.length === 0) {
    process.stderr.write('usage: sepm-intake parse <file.eml | - | dir | files…> [--config FILE]\n');
    return 2;
  }
  const options = analyzeOptionsFromConfig(loadConfig({ file: values.config }));
  const inputs = expandInputs(positionals);
  const single = inputs.length === 1 && !isDirectory(positionals[0] as string);
  let failed = false;
  for (const input of inputs) {
    const outcome = await parseOne(input, options);
    if ('error' in outcome) {
      failed = true;
      process.stderr.write(`sepm-intake parse: ${input}: ${outcome.error}\n`);
      continue;
    }
    const doc = single ? JSON.stringify(outcome.result, null, 2) : JSON.stringify({ file: input, ...outcome.result });
    process.stdout.write(`${doc}\n`);
  }
  return failed ? 1 : 0;
}

type Outcome = { result: MailDecision } | { error: string };

async function parseOne(input: string, options: AnalyzeOptions): Promise<Outcome> {
  let raw: Buffer;
  try {
    raw = input === '-' ? await readStdin() : readFileSync(input);
  } catch (err) {
    return { error: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  const result = await decideMail(raw, options);
  if (result.rejectReason === 'unreadable') {
    return { error: `not a readable mail (${result.sender.reasons[0] ?? 'MIME decoding failed'})` };
  }
  return { result };
}

function isDirectory(path: string): boolean {
  try {
    return path !== '-' && statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Directories expand to their *.eml files (sorted, not recursive); everything else is kept as given. */
function expandInputs(positionals: string[]): string[] {
  return positionals.flatMap((p) =>
    isDirectory(p)
      ? readdirSync(p)
          .filter((f) => f.toLowerCase().endsWith('.eml'))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
