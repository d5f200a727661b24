import { loadConfig } from '../../config/load.ts';
import { checkConfigSemantics } from '../../config/semantics.ts';
import { parseCommandArgs } from '../args.ts';

/** `sepm-intake check-config [FILE | --config FILE]`: validates file + environment, prints the problems or "ok". */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { config: { type: 'string', short: 'c' } });
  const file = values.config ?? positionals[0];
  const config = loadConfig({ file });
  checkConfigSemantics(config);
  const where = file ?? '(defaults + environment)';
  process.stdout.write(
    `ok: ${where} is valid (sepm: ${config.sepm.host ?? 'embedded simulator'}, soar: ${config.soar.kind}, ` +
      `imap sources: ${config.mail.imap.length}, spool: ${config.mail.spool.enabled ? config.mail.spool.dir : 'off'})\n`,
  );
  return 0;
}
