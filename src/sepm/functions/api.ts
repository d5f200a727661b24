import type { SepmConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { SepmClient } from '../client/client.ts';
import {
  createSepFunctionTable,
  runSepFunction,
  type SepFunctionsOptions,
  type SepFunctionTable,
} from './functions.ts';
import type { SepFunctionName, SepFunctionRawInput } from './schemas.ts';
import type { SepFunctionOutputs, SepResult } from './types.ts';

/**
 * The SEPM port use cases call: one camelCase method per SEP function, typed by that function's zod input (what
 * a caller may send, before normalisation) and its output. Every call validates its input with the schema before
 * any HTTP call (SEPM_INPUT_INVALID listing every problem), exactly as the raw `sep` job and the CLI do.
 *
 *  - `api.getComputers({...})` answers the content; a result with success=false (SEPM said no) is an AppError
 *    SEPM_BAD_RESPONSE, not retried.
 *  - `api.raw.getComputers({...})` answers the SepResult as SEPM gave it (success=false is a value).
 *  - `api.run(name, input)` is for callers whose function name is data (the raw `sep` job, the `sep` CLI).
 */

type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** `get-computers` → `getComputers`. */
export type SepMethodName<K extends SepFunctionName> = Camel<K>;

/** The empty object type (`{}`), spelled so the lint rule against `{}` as "any non-nullish value" stays on. */
type NoFields = Record<never, never>;

/** The input may be left out when the function has no required field (`getDomains()`). */
type Args<K extends SepFunctionName> =
  NoFields extends SepFunctionRawInput<K> ? [input?: SepFunctionRawInput<K>] : [input: SepFunctionRawInput<K>];

export type SepmRawApi = {
  [K in SepFunctionName as Camel<K>]: (...args: Args<K>) => Promise<SepResult<SepFunctionOutputs[K]>>;
};

export type SepmOkApi = {
  [K in SepFunctionName as Camel<K>]: (...args: Args<K>) => Promise<SepFunctionOutputs[K]>;
};

export interface SepmApi extends SepmOkApi {
  readonly raw: SepmRawApi;
  /** Validate + run by kebab-case name; the input is untrusted (a job payload, CLI JSON). */
  run<K extends SepFunctionName>(name: K, input: unknown): Promise<SepResult<SepFunctionOutputs[K]>>;
}

/** The content of a result, or SEPM_BAD_RESPONSE (not retried: SEPM said no) naming the function. */
export function okContent<K extends SepFunctionName>(name: K, r: SepResult<SepFunctionOutputs[K]>) {
  if (!r.success) {
    throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, `${name} failed: ${r.reason ?? 'no reason given'}`, {
      details: { function: name },
    });
  }
  return r.content;
}

function rawApi(table: SepFunctionTable): SepmRawApi {
  const run = <K extends SepFunctionName>(name: K, input: unknown) => runSepFunction(table, name, input);
  return {
    getDomains: (i) => run('get-domains', i),
    getGroups: (i) => run('get-groups', i),
    getComputers: (i) => run('get-computers', i),
    moveEndpoint: (i) => run('move-endpoint', i),
    quarantineEndpoints: (i) => run('quarantine-endpoints', i),
    scanEndpoints: (i) => run('scan-endpoints', i),
    uploadFile: (i) => run('upload-file', i),
    getFileContent: (i) => run('get-file-content', i),
    getFingerprintList: (i) => run('get-fingerprint-list', i),
    addFingerprintList: (i) => run('add-fingerprint-list', i),
    updateFingerprintList: (i) => run('update-fingerprint-list', i),
    deleteFingerprintList: (i) => run('delete-fingerprint-list', i),
    assignFingerprintListToGroup: (i) => run('assign-fingerprint-list-to-group', i),
    getCommandStatus: (i) => run('get-command-status', i),
    cancelCommand: (i) => run('cancel-command', i),
    getCriticalEvents: (i) => run('get-critical-events', i),
    getPolicySummary: (i) => run('get-policy-summary', i),
    getFirewallPolicy: (i) => run('get-firewall-policy', i),
    getExceptionsPolicy: (i) => run('get-exceptions-policy', i),
  };
}

function okApi(raw: SepmRawApi): SepmOkApi {
  return {
    getDomains: async (i) => okContent('get-domains', await raw.getDomains(i)),
    getGroups: async (i) => okContent('get-groups', await raw.getGroups(i)),
    getComputers: async (i) => okContent('get-computers', await raw.getComputers(i)),
    moveEndpoint: async (i) => okContent('move-endpoint', await raw.moveEndpoint(i)),
    quarantineEndpoints: async (i) => okContent('quarantine-endpoints', await raw.quarantineEndpoints(i)),
    scanEndpoints: async (i) => okContent('scan-endpoints', await raw.scanEndpoints(i)),
    uploadFile: async (i) => okContent('upload-file', await raw.uploadFile(i)),
    getFileContent: async (i) => okContent('get-file-content', await raw.getFileContent(i)),
    getFingerprintList: async (i) => okContent('get-fingerprint-list', await raw.getFingerprintList(i)),
    addFingerprintList: async (i) => okContent('add-fingerprint-list', await raw.addFingerprintList(i)),
    updateFingerprintList: async (i) => okContent('update-fingerprint-list', await raw.updateFingerprintList(i)),
    deleteFingerprintList: async (i) => okContent('delete-fingerprint-list', await raw.deleteFingerprintList(i)),
    assignFingerprintListToGroup: async (i) =>
      okContent('assign-fingerprint-list-to-group', await raw.assignFingerprintListToGroup(i)),
    getCommandStatus: async (i) => okContent('get-command-status', await raw.getCommandStatus(i)),
    cancelCommand: async (i) => okContent('cancel-command', await raw.cancelCommand(i)),
    getCriticalEvents: async (i) => okContent('get-critical-events', await raw.getCriticalEvents(i)),
    getPolicySummary: async (i) => okContent('get-policy-summary', await raw.getPolicySummary(i)),
    getFirewallPolicy: async (i) => okContent('get-firewall-policy', await raw.getFirewallPolicy(i)),
    getExceptionsPolicy: async (i) => okContent('get-exceptions-policy', await raw.getExceptionsPolicy(i)),
  };
}

/** The port over one SepmClient (one token cache per worker process, not per job). */
export function createSepmApi(client: SepmClient, cfg: SepmConfig, options: SepFunctionsOptions = {}): SepmApi {
  const table = createSepFunctionTable(client, cfg, options);
  const raw = rawApi(table);
  return { ...okApi(raw), raw, run: (name, input) => runSepFunction(table, name, input) };
}
