/**
 * Policy shapes (docs/reference/sepm-rest-api.md §6 Policies): the summary item as 14.3 sends it, and a policy
 * object (exceptions, firewall) of which only the envelope is typed — its `configuration` differs per type.
 */

/** Policy types `GET /policies/summary/{type}` accepts on 14.3 (`msl` answers 400 "policy type … invalid"). */
export const POLICY_TYPES = [
  'hid',
  'exceptions',
  'mem',
  'ntr',
  'av',
  'fw',
  'ips',
  'lucontent',
  'lu',
  'hi',
  'adc',
  'upgrade',
] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

export interface PolicyLocationAssignment {
  defaultLocationId?: string;
  groupId?: string;
  locationIds?: string[];
}

export interface PolicySummaryItem {
  id: string;
  name: string;
  desc?: string | null;
  domainid?: string;
  enabled?: boolean;
  lastmodifiedtime?: number;
  policytype: string;
  subtype?: string | null;
  sources?: unknown[] | null;
  assignedtocloudgroups?: unknown;
  assignedtolocations?: PolicyLocationAssignment[] | null;
  [key: string]: unknown;
}

export interface SepmPolicy {
  name?: string;
  desc?: string | null;
  enabled?: boolean;
  lastmodifiedtime?: number;
  sources?: unknown[] | null;
  lockedoptions?: Record<string, unknown>;
  configuration?: Record<string, unknown>;
  [key: string]: unknown;
}
