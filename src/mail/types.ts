/**
 * The parser's output types: the contract between parsers (pure), whitelist (pure), the SOAR incident mapper
 * and the intake worker. Keep them plain JSON-serialisable data (they travel in BullMQ job data).
 */

export const NotificationTypes = {
  singleRiskEvent: 'single_risk_event',
  newRiskDetected: 'new_risk_detected',
  riskOutbreak: 'risk_outbreak',
  securityAlert: 'client_security_alert',
  serverHealth: 'server_health',
  clientListChanged: 'client_list_changed',
  newSoftwarePackage: 'new_software_package',
  definitionsOutOfDate: 'definitions_out_of_date',
  license: 'license',
  systemEvent: 'system_event',
  authenticationFailure: 'authentication_failure',
  groupsWithoutPassword: 'groups_without_password',
  unmanagedComputers: 'unmanaged_computers',
  learnedApplication: 'learned_application',
  forcedApplication: 'forced_application',
  enforcerDown: 'enforcer_down',
  databaseDown: 'database_down',
  unknown: 'unknown',
} as const;
export type NotificationType = (typeof NotificationTypes)[keyof typeof NotificationTypes];

/** Types that describe risks on endpoints and therefore become incidents. */
export const RISK_TYPES: readonly NotificationType[] = [
  NotificationTypes.singleRiskEvent,
  NotificationTypes.newRiskDetected,
  NotificationTypes.riskOutbreak,
  NotificationTypes.securityAlert,
];

export type HashType = 'MD5' | 'SHA-1' | 'SHA-256';

/** One risk (or security alert) event. Every field is optional except where noted: SEPM templates vary. */
export interface RiskEvent {
  riskName?: string;
  filePath?: string;
  computer?: string;
  /** IPv4 or IPv6 addresses, normalised (IPv4-mapped IPv6 → IPv4). */
  ips: string[];
  user?: string;
  domain?: string;
  server?: string;
  group?: string;
  /** Action taken, canonical name from the action-code table (e.g. "Cleaned by deletion"). */
  action?: string;
  /** Numeric SEPM action code when known. */
  actionCode?: number;
  /** Action text exactly as in the mail. */
  actionRaw?: string;
  source?: string;
  description?: string;
  /** ISO-8601 UTC when parseable; raw string always kept. */
  eventTime?: string;
  eventTimeRaw?: string;
  insertTime?: string;
  insertTimeRaw?: string;
  occurrences?: number;
  hash?: { type: HashType; value: string };
  /** Security alerts: where the attack came from and what it targeted. */
  attackerIp?: string;
  targetComputer?: string;
  targetIp?: string;
  /** True when the block was cut off (2 KB SEPM cap) and some fields may be missing. */
  partial?: boolean;
  /** Any further `Label: value` pairs of the block, labels as written. */
  extra?: Record<string, string>;
}

export interface SepNotification {
  type: NotificationType;
  /** True for the four risk types above. */
  isRisk: boolean;
  subject: string;
  /** Which template matched, e.g. "single-risk-event/v1", for debugging customised templates. */
  template: string;
  server?: string;
  /** "This alarm was generated at …" time, ISO UTC when parseable. */
  generatedAt?: string;
  events: RiskEvent[];
  /** Count line (e.g. "Number of risks: 12") when present. */
  declaredCount?: number;
  truncated: boolean;
  forwarded: boolean;
}

export const ArtifactTypes = {
  systemName: 'System Name',
  dnsName: 'DNS Name',
  ipAddress: 'IP Address',
  filePath: 'File Path',
  fileName: 'File Name',
  userAccount: 'User Account',
  malwareFamily: 'Malware Family/Variant',
  md5: 'Malware MD5 Hash',
  sha1: 'Malware SHA-1 Hash',
  sha256: 'Malware SHA-256 Hash',
} as const;
export type ArtifactType = (typeof ArtifactTypes)[keyof typeof ArtifactTypes];

export interface Artifact {
  type: ArtifactType;
  value: string;
  description?: string;
}

export interface DroppedArtifact extends Artifact {
  /** The whitelist rule that dropped it, e.g. "ips: 10.0.0.0/8". */
  rule: string;
}

export type SenderVerdict = 'trusted' | 'untrusted';

export interface SenderAuthResult {
  verdict: SenderVerdict;
  reasons: string[];
  from?: string;
  autoReply: boolean;
}

export interface MailMeta {
  messageId?: string;
  from?: string;
  to?: string[];
  subject: string;
  date?: string;
  sizeBytes: number;
}

/** What the pipeline decides for one mail (also the `parse` command's JSON document). */
export interface MailParseResult {
  accepted: boolean;
  /** Why not accepted: one of intake/analyze.ts RejectReasons (too_large, sender_not_allowed, …, no_events). */
  rejectReason?: string;
  mail: MailMeta;
  notification: SepNotification | null;
  artifacts: Artifact[];
  dropped: DroppedArtifact[];
  sender: SenderAuthResult;
}
