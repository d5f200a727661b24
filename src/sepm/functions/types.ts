import type { PolicySummaryItem, SepmPolicy } from './types-policies.ts';

/**
 * SEPM wire shapes (docs/reference/sepm-rest-api.md §5 Records we read) and the outputs of the SEP functions
 * (docs/reference/sep-functions.md §2 Function catalogue). Records keep unknown keys: SEPM 14.2 and 14.3 differ,
 * so only the fields we read are typed.
 */

/** Spring Data page envelope; `number` is 0-based while the request's pageIndex is 1-based. */
export interface SepmPage<T> {
  content: T[];
  firstPage?: boolean;
  lastPage?: boolean;
  number?: number;
  numberOfElements?: number;
  size?: number;
  sort?: unknown;
  totalElements?: number;
  totalPages?: number;
}

export interface SepmErrorBody {
  errorCode?: string;
  appErrorCode?: string;
  errorMessage?: string;
}

export interface SepmDomain {
  id: string;
  name: string;
  description?: string | null;
  createdTime?: number;
  enable?: boolean;
  companyName?: string | null;
  contactInfo?: string | null;
  administratorCount?: number;
  [key: string]: unknown;
}

export interface SepmGroup {
  id: string;
  name: string;
  fullPathName?: string | null;
  description?: string | null;
  domain?: { id?: string; name?: string | null };
  numberOfPhysicalComputers?: number;
  policyInheritanceEnabled?: boolean;
  createdBy?: string;
  [key: string]: unknown;
}

export interface SepmComputer {
  computerName: string;
  uniqueId: string;
  hardwareKey?: string;
  group?: { id?: string; name?: string; domain?: { id?: string; name?: string } };
  ipAddresses?: string[];
  operatingSystem?: string;
  osName?: string;
  osname?: string;
  onlineStatus?: number;
  infected?: number;
  quarantineDesc?: string;
  lastScanTime?: number;
  lastUpdateTime?: number;
  lastVirusTime?: number;
  [key: string]: unknown;
}

/** A computer with the readable (UTC `YYYY-MM-DD HH:MM:SS`) and age (seconds) fields added. */
export interface AnnotatedComputer extends SepmComputer {
  readableLastScanTime: string;
  readableLastUpdateTime: string;
  readableLastVirusTime: string;
  timediffLastScanTime: number;
  timediffLastUpdateTime: number;
  timediffLastVirusTime: number;
}

export interface EndpointStatusSummary {
  total: number;
  non_compliant: number;
  offline: number;
  hi_failed: number;
  up_to_date: number;
  out_of_date: number;
  disabled: number;
}

export const ENGINE_FIELDS = [
  'apOnOff',
  'avEngineOnOff',
  'cidsBrowserFfOnOff',
  'cidsBrowserIeOnOff',
  'cidsDrvOnOff',
  'daOnOff',
  'elamOnOff',
  'firewallOnOff',
  'pepOnOff',
  'ptpOnOff',
  'tamperOnOff',
] as const;
export type EngineField = (typeof ENGINE_FIELDS)[number];

export type NonCompliantDetail = {
  computer_name: string;
  uniqueId: string;
  host_integrity_check: 'Passed' | 'Failed' | 'N/A';
  onlineStatus: 'Online' | 'Offline';
  readableLastScanTime: string;
  readableLastVirusTime: string;
  readableLastUpdateTime: string;
} & { [K in EngineField]: string };

export interface EndpointStatusDetails extends EndpointStatusSummary {
  eps: NonCompliantDetail[];
}

export type GetComputersOutput =
  (SepmPage<AnnotatedComputer> & { endpoints_matching_ids?: string[] }) | EndpointStatusSummary | EndpointStatusDetails;

export interface CommandIds {
  commandID_computer?: string;
  commandID_group?: string;
}

export interface BulkResponseItem {
  responseCode: string;
  responseMessage: string;
}

export interface MoveEndpointOutput {
  results: BulkResponseItem[];
  /** Group the endpoint was in before the move (for undo); null when it could not be read. */
  previousGroupId: string | null;
}

export type FingerprintV2Entry = { MD5?: string; SHA256?: string };
export type FingerprintApiVersion = 'v1' | 'v2';

export interface FingerprintList {
  id: string;
  name: string;
  description?: string;
  hashType?: string;
  source?: string;
  groupIds?: string[];
  data: (string | FingerprintV2Entry)[];
  [key: string]: unknown;
}

export interface GetFingerprintListOutput {
  exists: boolean;
  apiVersion?: FingerprintApiVersion;
  list?: FingerprintList;
  /** SEPM's 410 body when the list does not exist. */
  error?: SepmErrorBody;
}

export interface AddFingerprintListOutput {
  created: boolean;
  id?: string;
  apiVersion?: FingerprintApiVersion;
  /** SEPM's 409 body when a list of that name exists. */
  error?: SepmErrorBody;
}

export interface UpdateFingerprintListOutput {
  updated: boolean;
  id: string;
  apiVersion?: FingerprintApiVersion;
  /** The data set that was written. */
  data?: (string | FingerprintV2Entry)[];
  error?: SepmErrorBody;
}

export interface DeleteFingerprintListOutput {
  deleted: boolean;
  apiVersion?: FingerprintApiVersion;
  error?: SepmErrorBody;
}

export interface AssignFingerprintListOutput {
  assigned: boolean;
  policyInheritanceEnabled?: boolean;
  error?: SepmErrorBody;
}

export type MatchResult = 'HASH_MATCH' | 'FULL_MATCH' | 'PARTIAL_MATCH';

/** Attribute map of one `Matched` element (result, value, hashType, hashValue, remediation). */
export type MatchAttributes = Record<string, string>;

export interface ScanResult {
  MATCH: boolean;
  artifact_value: string;
  artifact_type: string;
  remediate_artifact_value: string;
  FULL_MATCHES: MatchAttributes[];
  HASH_MATCHES: MatchAttributes[];
  PARTIAL_MATCHES: MatchAttributes[];
  match_count: number;
  remediation_count: number;
  fail_remediation_count: number;
}

export interface CommandStatusEntry {
  computerName?: string;
  computerId?: string;
  computerIp?: string;
  domainName?: string;
  hardwareKey?: string;
  beginTime?: string | null;
  lastUpdateTime?: string | null;
  stateId: number;
  subStateId?: number;
  subStateDesc?: string | null;
  binaryFileId?: string | null;
  resultInXML?: string | null;
  [key: string]: unknown;
}

export interface ProcessedCommandEntry extends CommandStatusEntry {
  /** State name of this entry (docs/reference/sepm-rest-api.md §6 Command states). */
  state: string;
  scan_result?: ScanResult;
}

export interface CsvAttachment {
  name: string;
  content: string;
}

export interface CommandStatusTotals {
  overall_command_state: string;
  total_ep_count: number;
  total_not_completed: number;
  total_match_count: number;
  total_match_ep_count: number;
  total_remediation_count: number;
  total_fail_remediation_count: number;
  total_remediation_ep_count: number;
  scan_artifact_value: string;
  remediate_artifact_value: string;
  /** Entries per state name, e.g. { Completed: 3, Rejected: 1 }. */
  state_counts: Record<string, number>;
  scan_eoc_hits_over_limit?: boolean;
  truncated_count?: number;
  att_name?: string;
}

export type CommandStatusPage = SepmPage<ProcessedCommandEntry> & CommandStatusTotals;

export interface GetCommandStatusOutput {
  /** The merged (and, over the results limit, truncated) page with the totals. */
  status: CommandStatusPage;
  /** Scan with matchingEndpointIds: computer ids of entries with at least one match. */
  endpoints_matching_ids?: string[];
  /** Scan over the results limit (all matches) or remediation with successes: the CSV to attach. */
  csv?: CsvAttachment;
}

export interface CriticalEvent {
  eventId: string;
  eventDateTime: string;
  subject: string;
  message: string;
  acknowledged: number;
  [key: string]: unknown;
}

export interface CriticalEventsOutput {
  criticalEventsInfoList: CriticalEvent[];
  lastUpdated?: number;
  totalUnacknowledgedMessages?: number;
}

export type PolicySummaryPage = SepmPage<PolicySummaryItem>;

/** A policy read by id: `exists: false` with SEPM's body when the id names no policy (404/410). */
export interface GetPolicyOutput {
  exists: boolean;
  policy?: SepmPolicy;
  error?: SepmErrorBody;
}

export interface SepResult<T> {
  success: boolean;
  reason?: string;
  content: T;
}

/** Output type per function name. */
export interface SepFunctionOutputs {
  'get-domains': SepmDomain[];
  'get-groups': SepmPage<SepmGroup>;
  'get-computers': GetComputersOutput;
  'move-endpoint': MoveEndpointOutput;
  'quarantine-endpoints': CommandIds;
  'scan-endpoints': CommandIds;
  'upload-file': { commandID: string };
  /** Base64 of the decoded file. */
  'get-file-content': string;
  'get-fingerprint-list': GetFingerprintListOutput;
  'add-fingerprint-list': AddFingerprintListOutput;
  'update-fingerprint-list': UpdateFingerprintListOutput;
  'delete-fingerprint-list': DeleteFingerprintListOutput;
  'assign-fingerprint-list-to-group': AssignFingerprintListOutput;
  'get-command-status': GetCommandStatusOutput;
  'cancel-command': { commandID: string };
  'get-critical-events': CriticalEventsOutput;
  'get-policy-summary': PolicySummaryPage;
  'get-firewall-policy': GetPolicyOutput;
  'get-exceptions-policy': GetPolicyOutput;
}
