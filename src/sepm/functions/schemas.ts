import { z } from 'zod';
import {
  atLeastOne,
  EVEN_WITH_FIELD_ERRORS,
  idList,
  listHash,
  listHashes,
  optBool,
  optHash,
  optPositiveInt,
  optText,
  order,
  present,
  reqText,
  sepmId,
  sepmIdList,
} from './input-fields.ts';
import { POLICY_TYPES } from './types-policies.ts';

export { HASH_LENGTHS, hashTypeOf, normaliseIdList, type HashType } from './input-fields.ts';

/**
 * Input schemas of the SEP function set (docs/reference/sep-functions.md §3 Function rules), camelCase. Every schema normalises as §1 Conventions asks:
 * strings trimmed, the literal "none" (any case) = no value, ID lists accept an array or a comma/whitespace
 * separated string with empty items dropped and duplicates removed. Parsing yields the normalised input the
 * functions work with; `z.toJSONSchema(schema, { io: 'input' })` describes what callers may send.
 */

export const SEP_FUNCTION_NAMES = [
  'get-domains',
  'get-groups',
  'get-computers',
  'move-endpoint',
  'quarantine-endpoints',
  'scan-endpoints',
  'upload-file',
  'get-file-content',
  'get-fingerprint-list',
  'add-fingerprint-list',
  'update-fingerprint-list',
  'delete-fingerprint-list',
  'assign-fingerprint-list-to-group',
  'get-command-status',
  'cancel-command',
  'get-critical-events',
  'get-policy-summary',
  'get-firewall-policy',
  'get-exceptions-policy',
] as const;

export type SepFunctionName = (typeof SEP_FUNCTION_NAMES)[number];

export function isSepFunctionName(name: string): name is SepFunctionName {
  return (SEP_FUNCTION_NAMES as readonly string[]).includes(name);
}

// ---------- per-function schemas ----------

const getDomains = z.object({}).strict();

const getGroups = z
  .object({
    /** Domain id (the README example passes an id). */
    domain: optText,
    fullPathName: optText,
    mode: z.enum(['list', 'tree']).optional(),
    order,
    sort: optText,
    /** Set → that one page only; unset → all pages merged. */
    pageIndex: optPositiveInt,
    pageSize: optPositiveInt,
  })
  .strict();

const getComputers = z
  .object({
    /** Host name, `*` wildcard allowed. */
    computerName: optText,
    /** Domain id. */
    domain: optText,
    /** Epoch ms; 0 = all. */
    lastUpdate: z
      .union([z.number().int().min(0), z.string().regex(/^\s*\d+\s*$/)])
      .optional()
      .transform((v) => (v === undefined ? undefined : Number(v))),
    os: idList,
    computerId: optText,
    hardwareKey: optText,
    order,
    sort: z.enum(['COMPUTER_NAME', 'COMPUTER_ID', 'COMPUTER_DOMAIN_NAME', 'DOMAIN_ID']).optional(),
    pageIndex: optPositiveInt,
    pageSize: optPositiveInt,
    /** Read every page (implied by status, statusDetails and matchingEndpointIds). */
    allPages: optBool,
    status: optBool,
    statusDetails: optBool,
    matchingEndpointIds: optBool,
    /** With matchingEndpointIds: stream the pages and keep only the ids (page content left empty) — large estates. */
    idsOnly: optBool,
  })
  .strict();

const moveEndpoint = z.object({ groupId: sepmId, hardwareKey: sepmId }).strict();

const quarantineEndpoints = z
  .object({ computerIds: sepmIdList, groupIds: sepmIdList, hardwareKeys: sepmIdList, undo: optBool })
  .strict()
  .superRefine(atLeastOne(['computerIds', 'groupIds', 'hardwareKeys']), EVEN_WITH_FIELD_ERRORS);

const scanEndpoints = z
  .object({
    computerIds: sepmIdList,
    groupIds: sepmIdList,
    scanType: z.enum(['QUICK_SCAN', 'FULL_SCAN']),
    filePath: optText,
    sha256: optHash('SHA256'),
    sha1: optHash('SHA1'),
    md5: optHash('MD5'),
    description: reqText,
    scanAction: z.enum(['scan', 'remediate']).default('scan'),
  })
  .strict()
  .superRefine(atLeastOne(['computerIds', 'groupIds']), EVEN_WITH_FIELD_ERRORS)
  .superRefine((v, ctx) => {
    if (v.scanAction === 'remediate' && !present(v.sha256) && !present(v.sha1) && !present(v.md5)) {
      ctx.addIssue({ code: 'custom', message: 'remediation needs a hash (sha256, sha1 or md5)', path: [] });
    }
  }, EVEN_WITH_FIELD_ERRORS);

const uploadFile = z
  .object({
    filePath: reqText,
    computerIds: sepmIdList.refine((l) => l.length > 0, { message: 'at least one computer id is required' }),
    source: z.enum(['FILESYSTEM', 'QUARANTINE', 'BOTH']).default('FILESYSTEM'),
    sha256: optHash('SHA256'),
    sha1: optHash('SHA1'),
    md5: optHash('MD5'),
  })
  .strict();

const getFileContent = z.object({ fileId: reqText }).strict();

const getFingerprintList = z
  .object({ domainId: optText, name: optText, id: optText })
  .strict()
  .superRefine(atLeastOne(['name', 'id']), EVEN_WITH_FIELD_ERRORS)
  .superRefine((v, ctx) => {
    if (!present(v.id) && !present(v.domainId)) {
      ctx.addIssue({ code: 'custom', message: 'domainId is required for a lookup by name', path: ['domainId'] });
    }
  }, EVEN_WITH_FIELD_ERRORS);

const addFingerprintList = z
  .object({ name: reqText, description: reqText, domainId: reqText, hash: listHash })
  .strict();

const updateFingerprintList = z
  .object({
    id: reqText,
    name: reqText,
    description: reqText,
    domainId: reqText,
    /** The complete new set (replaces the list's data). */
    hashes: listHashes.optional(),
    /** Or: hashes to add to / remove from the current set (read first). */
    addHashes: listHashes,
    removeHashes: listHashes,
  })
  .strict()
  .superRefine((v, ctx) => {
    const full = v.hashes !== undefined && v.hashes !== null;
    const delta = present(v.addHashes) || present(v.removeHashes);
    if (full === delta) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either hashes (the complete new set) or addHashes/removeHashes',
        path: [],
      });
    }
  }, EVEN_WITH_FIELD_ERRORS);

const deleteFingerprintList = z.object({ id: reqText }).strict();

const assignFingerprintListToGroup = z
  .object({
    fingerprintListId: reqText,
    groupId: sepmId,
    /** Refuse when the group inherits its policies (the assignment would not take effect). Default true. */
    checkInheritance: z.boolean().default(true),
  })
  .strict();

const SCAN_DATE_RE = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/;

const getCommandStatus = z
  .object({
    commandId: reqText,
    statusType: z.enum(['scan', 'remediation', 'upload', 'quarantine']),
    incidentId: z.union([z.number().int(), z.string().regex(/^\d+$/)]).optional(),
    matchingEndpointIds: optBool,
    /** When the command was issued, `YYYY-MM-DD HH:MM:SS` (UTC) or ISO-8601; enables the timeout rule. */
    scanDate: optText.refine((v) => v === undefined || SCAN_DATE_RE.test(v), {
      message: 'must be YYYY-MM-DD HH:MM:SS (UTC) or ISO-8601',
    }),
    order,
    sort: optText,
    pageSize: optPositiveInt,
    /** Overrides sepm.resultsLimit for the scan-match truncation. */
    resultsLimit: optPositiveInt,
  })
  .strict();

const cancelCommand = z.object({ commandId: reqText }).strict();

const getCriticalEvents = z
  .object({
    includeAcknowledged: optBool,
    /** SEPM ignores its own paging here; we cut the list client-side. */
    resultsLimit: optPositiveInt,
  })
  .strict();

/** Domain id; SEPM answers for the login's domain when it is left out. */
const getPolicySummary = z.object({ domainId: optText, policyType: z.enum(POLICY_TYPES).optional() }).strict();

/** Policy ids come from get-policy-summary (`id` of an item with `policytype` fw / exceptions). */
const getFirewallPolicy = z.object({ policyId: sepmId }).strict();
const getExceptionsPolicy = z.object({ policyId: sepmId }).strict();

const schemas = {
  'get-domains': getDomains,
  'get-groups': getGroups,
  'get-computers': getComputers,
  'move-endpoint': moveEndpoint,
  'quarantine-endpoints': quarantineEndpoints,
  'scan-endpoints': scanEndpoints,
  'upload-file': uploadFile,
  'get-file-content': getFileContent,
  'get-fingerprint-list': getFingerprintList,
  'add-fingerprint-list': addFingerprintList,
  'update-fingerprint-list': updateFingerprintList,
  'delete-fingerprint-list': deleteFingerprintList,
  'assign-fingerprint-list-to-group': assignFingerprintListToGroup,
  'get-command-status': getCommandStatus,
  'cancel-command': cancelCommand,
  'get-critical-events': getCriticalEvents,
  'get-policy-summary': getPolicySummary,
  'get-firewall-policy': getFirewallPolicy,
  'get-exceptions-policy': getExceptionsPolicy,
} as const;

/** What a caller may send to each function (before normalisation). */
export type SepFunctionRawInput<K extends SepFunctionName> = z.input<(typeof schemas)[K]>;

/** The normalised (parsed) input of each function. */
export type SepFunctionInput<K extends SepFunctionName> = z.output<(typeof schemas)[K]>;

export const sepFunctionSchemas: { [K in SepFunctionName]: z.ZodType<SepFunctionInput<K>> } = schemas;

export type GetDomainsInput = SepFunctionInput<'get-domains'>;
export type GetGroupsInput = SepFunctionInput<'get-groups'>;
export type GetComputersInput = SepFunctionInput<'get-computers'>;
export type MoveEndpointInput = SepFunctionInput<'move-endpoint'>;
export type QuarantineEndpointsInput = SepFunctionInput<'quarantine-endpoints'>;
export type ScanEndpointsInput = SepFunctionInput<'scan-endpoints'>;
export type UploadFileInput = SepFunctionInput<'upload-file'>;
export type GetFileContentInput = SepFunctionInput<'get-file-content'>;
export type GetFingerprintListInput = SepFunctionInput<'get-fingerprint-list'>;
export type AddFingerprintListInput = SepFunctionInput<'add-fingerprint-list'>;
export type UpdateFingerprintListInput = SepFunctionInput<'update-fingerprint-list'>;
export type DeleteFingerprintListInput = SepFunctionInput<'delete-fingerprint-list'>;
export type AssignFingerprintListToGroupInput = SepFunctionInput<'assign-fingerprint-list-to-group'>;
export type GetCommandStatusInput = SepFunctionInput<'get-command-status'>;
export type CancelCommandInput = SepFunctionInput<'cancel-command'>;
export type GetCriticalEventsInput = SepFunctionInput<'get-critical-events'>;
export type GetPolicySummaryInput = SepFunctionInput<'get-policy-summary'>;
export type GetFirewallPolicyInput = SepFunctionInput<'get-firewall-policy'>;
export type GetExceptionsPolicyInput = SepFunctionInput<'get-exceptions-policy'>;

/** JSON Schema of what a caller may send (for `sep --list` and API docs). */
export function sepInputJsonSchema(name: SepFunctionName): unknown {
  return z.toJSONSchema(schemas[name], { io: 'input', unrepresentable: 'any' });
}

export * from './types.ts';
export * from './types-policies.ts';
