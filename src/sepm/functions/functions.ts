import type { SepmConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { SepmClient } from '../client/client.ts';
import * as cmd from './fn-commands.ts';
import * as comp from './fn-computers.ts';
import * as fp from './fn-fingerprints.ts';
import * as pol from './fn-policies.ts';
import { isSepFunctionName, sepFunctionSchemas, type SepFunctionInput, type SepFunctionName } from './schemas.ts';
import type { SepFunctionOutputs, SepResult } from './types.ts';

/**
 * The SEP function set by kebab-case name over one SepmClient (one token cache per worker, not per job). This is
 * the adapter's inside: callers use the typed port in api.ts (`createSepmApi`), which validates every input with
 * its zod schema before any HTTP call; invalid input is an AppError SEPM_INPUT_INVALID listing every problem.
 */

export interface InputProblem {
  path: string;
  message: string;
}

/** Parses raw input for `name`; throws SEPM_INPUT_INVALID with every problem. `undefined`/`null` = `{}`. */
export function validateSepInput<K extends SepFunctionName>(name: K, raw: unknown): SepFunctionInput<K> {
  const parsed = sepFunctionSchemas[name].safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const problems: InputProblem[] = parsed.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(input)',
    message: i.message,
  }));
  const text = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  throw new AppError(ErrorCodes.SEPM_INPUT_INVALID, `invalid input for ${name}: ${text}`, {
    details: { function: name, problems },
  });
}

/** One implementation per function, taking the parsed input: a literal TypeScript checks key by key. */
export type SepFunctionTable = {
  [K in SepFunctionName]: (input: SepFunctionInput<K>) => Promise<SepResult<SepFunctionOutputs[K]>>;
};

export interface SepFunctionsOptions {
  /** Clock for readable times, ages and the command timeout (tests), epoch ms. */
  now?: () => number;
}

export function createSepFunctionTable(
  client: SepmClient,
  cfg: SepmConfig,
  options: SepFunctionsOptions = {},
): SepFunctionTable {
  const now = options.now ?? Date.now;
  return {
    'get-domains': () => comp.getDomains(client),
    'get-groups': (i) => comp.getGroups(client, i),
    'get-computers': (i) => comp.getComputers(client, cfg, i, now()),
    'move-endpoint': (i) => comp.moveEndpoint(client, i),
    'quarantine-endpoints': (i) => cmd.quarantineEndpoints(client, i),
    'scan-endpoints': (i) => cmd.scanEndpoints(client, i),
    'upload-file': (i) => cmd.uploadFile(client, i),
    'get-file-content': (i) => cmd.getFileContent(client, cfg, i),
    'get-fingerprint-list': (i) => fp.getFingerprintList(client, i),
    'add-fingerprint-list': (i) => fp.addFingerprintList(client, i),
    'update-fingerprint-list': (i) => fp.updateFingerprintList(client, i),
    'delete-fingerprint-list': (i) => fp.deleteFingerprintList(client, i),
    'assign-fingerprint-list-to-group': (i) => fp.assignFingerprintListToGroup(client, i),
    'get-command-status': (i) => cmd.getCommandStatus(client, cfg, i, now()),
    'cancel-command': (i) => cmd.cancelCommand(client, i),
    'get-critical-events': (i) => cmd.getCriticalEvents(client, i),
    'get-policy-summary': (i) => pol.getPolicySummary(client, i),
    'get-firewall-policy': (i) => pol.getFirewallPolicy(client, i),
    'get-exceptions-policy': (i) => pol.getExceptionsPolicy(client, i),
  };
}

/**
 * Validate + dispatch by name. The name is checked at run time too: job names and CLI arguments are data, and
 * a name outside the set must be a clean SEPM_INPUT_INVALID, not a TypeError.
 */
export async function runSepFunction<K extends SepFunctionName>(
  table: SepFunctionTable,
  name: K,
  rawInput: unknown,
): Promise<SepResult<SepFunctionOutputs[K]>> {
  if (!isSepFunctionName(name)) {
    throw new AppError(ErrorCodes.SEPM_INPUT_INVALID, `unknown SEP function '${String(name)}'`);
  }
  const input = validateSepInput(name, rawInput);
  return table[name](input);
}
