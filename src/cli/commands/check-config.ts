import { loadConfig } from '../../config/load.ts';
import { checkConfigSemantics } from '../../config-checks.ts';
import { checkSepmMode } from '../../config/sepm-mode.ts';
import { compileSeverityRules } from '../../intake/severity-rules.ts';
import { parseCommandArgs } from '../args.ts';

/**
 * `sepm-intake check-config [FILE | --config FILE]`: validates file + environment, prints the problems or "ok".
 * The file is checked as one deployment's file for every role, so live mode without sepm.host is an error here.
 */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { config: { type: 'string', short: 'c' } });
  const file = values.config ?? positionals[0];
  const config = loadConfig({ file });
  checkConfigSemantics(config);
  compileSeverityRules(config.soar.severity);
  checkSepmMode(config, { needsSepm: true });
  const sepm = config.sepm.mode === 'simulator' ? 'built-in simulator (demo)' : config.sepm.host;
  const where = file ?? '(defaults + environment)';
  process.stdout.write(
    `ok: ${where} is valid (sepm: ${sepm}, soar: ${config.soar.kind}, ` +
      `imap sources: ${config.mail.imap.length}, spool: ${config.mail.spool.enabled ? config.mail.spool.dir : 'off'})\n`,
  );
  return 0;
}
