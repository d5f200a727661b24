/**
 * Public types of the SEPM simulator (re-exported by sim/sepm/index.ts) and its inspectable state model.
 */

export interface SepmSimUser {
  username: string;
  password: string;
  domain: string;
  locked?: boolean;
}

export interface SepmSimOptions {
  /** default true: HTTPS with a CA generated at start; false = plain HTTP */
  tls?: boolean;
  /** default '127.0.0.1' */
  host?: string;
  /** default 0 (random free port) */
  port?: number;
  /** estate size, default 300 */
  computers?: number;
  /** deterministic estate, default 1 */
  seed?: number;
  users?: SepmSimUser[];
  /** tokenExpiration returned at login (seconds), default 43200 */
  tokenLifetimeSec?: number;
  /** time per command state step 0→1→2→3 (ms), default 200 */
  commandStepMs?: number;
  /** reshapes the generated estate in place before it is indexed (the demo's: demo-estate.ts); `now` = start, epoch ms */
  shapeEstate?: (estate: { domains: SimDomain[]; groups: SimGroup[]; computers: SimComputer[] }, now: number) => void;
}

export interface SepmSimFault {
  /** 'METHOD /path-pattern' relative to the API base (/sepm/api/v1 or /v2), `*` matches anything, or '*' */
  route: string;
  kind: 'status' | 'latency' | 'expire-token' | 'reset';
  status?: number;
  delayMs?: number;
  /** how many matching requests it applies to, default 1 (Infinity allowed) */
  times?: number;
}

export interface SimDomain {
  id: string;
  name: string;
  description: string | null;
  createdTime: number;
  enable: boolean;
  companyName: string;
  contactInfo: string | null;
  administratorCount: number;
}

export interface SimGroup {
  id: string;
  name: string;
  fullPathName: string;
  domainId: string;
  parentId: string | null;
  policyInheritanceEnabled: boolean;
  created: number;
  createdBy: string;
  policyDate: number;
  /** maintained on generation and on move */
  computerCount: number;
}

export const SimOs = { windows: 'windows', macos: 'macos', linux: 'linux' } as const;
export type SimOs = (typeof SimOs)[keyof typeof SimOs];

export interface SimPlantedFile {
  path: string;
  sha256: string;
  md5?: string;
  sha1?: string;
  content?: Buffer;
}

/** Compact mutable computer model; the full ~147-key record is built on demand (computer-record.ts). */
export interface SimComputer {
  index: number;
  computerName: string;
  uniqueId: string;
  hardwareKey: string;
  agentId: string;
  groupId: string;
  domainId: string;
  os: SimOs;
  /** index into the OS catalog of computer-record.ts */
  osVariant: number;
  ipAddress: string;
  /** Further NICs of a multi-homed host (SEPM lists them after the primary address); none by default. */
  extraIps?: string[];
  onlineStatus: 0 | 1;
  /** 14.3 quarantineStatus; network quarantine by command sets it to 1 */
  quarantineStatus: number;
  quarantineCode: number;
  quarantineDesc: string;
  infected: 0 | 1;
  /** the host-integrity state to restore when a network quarantine is undone */
  savedQuarantine?: { status: number; code: number; desc: string };
  /** epoch ms: last check-in at generation; online clients keep checking in every 5 min from it */
  lastUpdateTime: number;
  files: SimPlantedFile[];
}

export interface SimCommandEntry {
  computer: SimComputer;
  /** set by cancel (5) or by tests to inject 4/5/6 */
  forcedStateId?: number;
  /** epoch ms at which forcedStateId was set */
  forcedAt?: number;
  completedApplied: boolean;
  resultInXML: string | null;
  binaryFileId: string | null;
  subStateId: number;
  subStateDesc: string | null;
}

export type SimCommandKind = 'eoc' | 'quarantine' | 'files' | 'scan' | 'cancel';

export interface SimCommand {
  id: string;
  kind: SimCommandKind;
  /** epoch ms */
  createdAt: number;
  entries: SimCommandEntry[];
  eocXml?: string;
  undo?: boolean;
  file?: { path: string; md5?: string; sha1?: string; sha256?: string; source: string };
}

export interface SimFingerprintList {
  id: string;
  name: string;
  description: string;
  domainId: string;
  /** 'MD5' | 'SHA256' for v1 lists; '' for v2 lists */
  hashType: string;
  source: string;
  groupIds: string[];
  /** v1: hash strings; v2: {MD5?, SHA256?} objects */
  data: (string | Record<string, string>)[];
  format: 'v1' | 'v2';
}

export interface SimStoredFile {
  id: string;
  hashName: string;
  content: Buffer;
  key: number;
}

export interface SimCriticalEvent {
  eventId: string;
  eventDateTime: string;
  subject: string;
  message: string;
  acknowledged: 0 | 1;
}

export interface SepmSimStats {
  logins: number;
  /** 'GET /computers' → n; parameterised routes by template, e.g. 'GET /command-queue/{id}' */
  requests: Record<string, number>;
  /** Request plus response body bytes per route, as `requests`. */
  bytes: Record<string, number>;
  /** Requests being answered right now (login included), and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
}

export interface SepmSimState {
  domains: SimDomain[];
  groups: SimGroup[];
  /** sorted by computerName (upper-case order) */
  computers: SimComputer[];
  commands: Map<string, SimCommand>;
  fingerprintLists: Map<string, SimFingerprintList>;
  files: Map<string, SimStoredFile>;
  events: SimCriticalEvent[];
  stats: SepmSimStats;
}

export interface SepmSim {
  url: string;
  host: string;
  port: number;
  protocol: 'https' | 'http';
  caPem: string;
  caFile: string;
  credentials: { username: string; password: string; domain: string };
  state: SepmSimState;
  faults: { add(f: SepmSimFault): void; clear(): void };
  plantFile(computerUniqueId: string, file: SimPlantedFile): void;
  expireAllTokens(): void;
  stop(): Promise<void>;
}
