import type { SepmConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { SepmClient } from '../client/client.ts';
import * as cmd from './fn-commands.ts';
import * as comp from './fn-computers.ts';
import * as fp from './fn-fingerprints.ts';
import {
  SEP_FUNCTION_NAMES,
  sepFunctionSchemas,
  type SepFunctionInput,
  type SepFunctionName,
  type SepFunctionRawInput,
} from './schemas.ts';
import type { SepFunctionOutputs, SepResult } from './types.ts';

/**
 * The SEP function set as typed functions over one SepmClient (one token cache per worker, not per job).
 * Every function validates its input with its zod schema before any HTTP call; invalid input is an AppError
 * SEPM_INPUT_INVALID listing every problem.
 */

type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

export type SepFunctionMethodName<K extends SepFunctionName> = Camel<K>;

export type SepFunctions = {
  [K in SepFunctionName as Camel<K>]: (
    input?: SepFunctionRawInput<K> | Record<string, unknown>,
  ) => Promise<SepResult<SepFunctionOutputs[K]>>;
};

export function methodNameOf<K extends SepFunctionName>(name: K): Camel<K> {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as Camel<K>;
}

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

type Impls = { [K in SepFunctionName]: (input: SepFunctionInput<K>) => Promise<SepResult<SepFunctionOutputs[K]>> };

export interface SepFunctionsOptions {
  /** Clock for readable times, ages and the command timeout (tests), epoch ms. */
  now?: () => number;
}

export function createSepFunctions(
  client: SepmClient,
  cfg: SepmConfig,
  options: SepFunctionsOptions = {},
): SepFunctions {
  const now = options.now ?? Date.now;
  const impls: Impls = {
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
  };
  const fns: Record<string, (raw?: unknown) => Promise<unknown>> = {};
  for (const name of SEP_FUNCTION_NAMES) {
    const impl = impls[name] as (input: unknown) => Promise<unknown>;
    fns[methodNameOf(name)] = async (raw?: unknown) => impl(validateSepInput(name, raw));
  }
  return fns as unknown as SepFunctions;
}

/** Validate + dispatch by kebab-case name (jobs and the `sep` command use this). */
export async function runSepFunction(
  fns: SepFunctions,
  name: SepFunctionName,
  rawInput: unknown,
): Promise<SepResult<SepFunctionOutputs[SepFunctionName]>> {
  if (!(SEP_FUNCTION_NAMES as readonly string[]).includes(name)) {
    throw new AppError(ErrorCodes.SEPM_INPUT_INVALID, `unknown SEP function '${String(name)}'`);
  }
  const fn = fns[methodNameOf(name)] as (raw?: unknown) => Promise<SepResult<SepFunctionOutputs[SepFunctionName]>>;
  return fn(rawInput);
}
