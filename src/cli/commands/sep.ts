import { loadConfig } from '../../config/load.ts';
import { createSepmClient } from '../../sepm/client/client.ts';
import { createSepmApi } from '../../sepm/functions/api.ts';
import { validateSepInput } from '../../sepm/functions/functions.ts';
import { isSepFunctionName, SEP_FUNCTION_NAMES, sepInputJsonSchema } from '../../sepm/functions/schemas.ts';
import { AppError, ErrorCodes, isAppError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { parseCommandArgs } from '../args.ts';

/**
 * `sepm-intake sep <function> --json '<input>' [--config FILE]` runs one SEP function against the configured
 * SEPM and prints the JSON result. `sep --list` prints every function with its input JSON schema.
 * Exit codes: 0 success, 1 SEPM/transport failure or `success: false`, 2 usage or invalid input (no HTTP call).
 */

const USAGE =
  "usage: sepm-intake sep <function> [--json '<input>'] [--config FILE]\n" +
  '       sepm-intake sep --list [function]\n' +
  `functions: ${SEP_FUNCTION_NAMES.join(', ')}\n`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    json: { type: 'string', short: 'j' },
    config: { type: 'string', short: 'c' },
    list: { type: 'boolean', short: 'l' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.list) return list(positionals[0]);
  const name = positionals[0];
  if (!name || !isSepFunctionName(name) || positionals.length > 1) {
    process.stderr.write(name && !isSepFunctionName(name) ? `sep: unknown function '${name}'\n${USAGE}` : USAGE);
    return 2;
  }
  let raw: unknown = {};
  if (values.json !== undefined) {
    try {
      raw = JSON.parse(values.json);
    } catch (err) {
      process.stderr.write(`sep: --json is not valid JSON: ${(err as Error).message}\n`);
      return 2;
    }
  }
  try {
    validateSepInput(name, raw);
  } catch (err) {
    return reportInvalid(err);
  }
  const config = loadConfig({ file: values.config });
  if (!config.sepm.host) {
    throw new AppError(ErrorCodes.CONFIG_INVALID, 'sepm.host is not set (config file or SEPM_INTAKE_SEPM_HOST)');
  }
  const logger = createLogger({ level: config.log?.level ?? 'warn', destination: process.stderr });
  const client = createSepmClient(config.sepm, { logger });
  try {
    const result = await createSepmApi(client, config.sepm).run(name, raw);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.success ? 0 : 1;
  } finally {
    await client.close();
  }
}

function list(only: string | undefined): number {
  if (only !== undefined && !isSepFunctionName(only)) {
    process.stderr.write(`sep: unknown function '${only}'\n${USAGE}`);
    return 2;
  }
  const names = only ? [only] : SEP_FUNCTION_NAMES;
  const out = names.map((n) => ({ name: n, input: sepInputJsonSchema(n as (typeof SEP_FUNCTION_NAMES)[number]) }));
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}

function reportInvalid(err: unknown): number {
  if (!isAppError(err) || err.code !== ErrorCodes.SEPM_INPUT_INVALID) throw err;
  const problems = (err.details?.problems ?? []) as { path: string; message: string }[];
  process.stderr.write(`sep: invalid input (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`);
  for (const p of problems) process.stderr.write(`  - ${p.path}: ${p.message}\n`);
  return 2;
}
