import { NotificationTypes, type NotificationType } from './types.ts';

/**
 * Notification type from body and subject. Subjects are admin-customisable, so the body decides whenever it
 * carries a recognisable template; the subject is a hint (risk sub-type) and the fallback.
 */

type Rule = readonly [NotificationType, RegExp];

/** Non-risk templates, recognised from the body text (real samples in shared/samples/sepm-notifications). */
const NON_RISK_BODY: readonly Rule[] = [
  [NotificationTypes.serverHealth, /\bhealth status:|server health/i],
  [NotificationTypes.clientListChanged, /number of clients changed|computer list changed|client list changed/i],
  [NotificationTypes.newSoftwarePackage, /package from liveupdate|new (?:client )?software package/i],
  [
    NotificationTypes.definitionsOutOfDate,
    /definitions (?:older than|(?:are )?out[- ]of[- ]date)|out[- ]of[- ]date definitions/i,
  ],
  [NotificationTypes.license, /\blicen[cs]e\b.*\b(?:expire|expired|expiring|over[- ]deployed|deployment)/i],
  [NotificationTypes.systemEvent, /number of system events detected|system events included/i],
  [NotificationTypes.authenticationFailure, /authentication fail|failed (?:to )?log ?in|login failures?/i],
  [NotificationTypes.groupsWithoutPassword, /not been assigned a password|assign a password to the following/i],
  [NotificationTypes.unmanagedComputers, /unmanaged computers?/i],
  [NotificationTypes.learnedApplication, /learned application/i],
  [NotificationTypes.forcedApplication, /commercial application|forced application/i],
  [NotificationTypes.enforcerDown, /enforcer (?:is )?down/i],
  [NotificationTypes.databaseDown, /database (?:is )?down/i],
];

const SUBJECT_ONLY: readonly Rule[] = [
  [NotificationTypes.serverHealth, /server health/i],
  [NotificationTypes.systemEvent, /system event/i],
  [NotificationTypes.license, /licen[cs]e/i],
  [NotificationTypes.definitionsOutOfDate, /definitions/i],
  [NotificationTypes.newSoftwarePackage, /software package|client software/i],
];

/** Risk sub-types, checked on subject first, then on body. */
const RISK_HINTS: readonly Rule[] = [
  [
    NotificationTypes.securityAlert,
    /security alert|suspicious activity from|attack detected|port ?scan|arp cache poison/i,
  ],
  [NotificationTypes.riskOutbreak, /outbreak/i],
  [NotificationTypes.newRiskDetected, /new risks? (?:found|detected)|nouveau risque/i],
  [
    NotificationTypes.singleRiskEvent,
    /single risk event|security risk found|risk event|virus found|événement de risque/i,
  ],
];

function firstMatch(rules: readonly Rule[], text: string): NotificationType | undefined {
  for (const [type, re] of rules) if (re.test(text)) return type;
  return undefined;
}

export interface ClassifyInput {
  subject: string;
  /** Normalised body text. */
  body: string;
  /** Number of risk/security events found in the body. */
  eventCount: number;
  /** Whether an event block of a security alert (attacker/target fields) was found. */
  hasSecurityFields: boolean;
}

export function classify(input: ClassifyInput): NotificationType {
  const { subject, body, eventCount } = input;
  if (eventCount > 0) return riskSubtype(input);
  const bodyType = firstMatch(NON_RISK_BODY, body);
  if (bodyType) return bodyType;
  const hinted = firstMatch(RISK_HINTS, subject) ?? firstMatch(RISK_HINTS, body);
  if (hinted) return hinted;
  return firstMatch(NON_RISK_BODY, subject) ?? firstMatch(SUBJECT_ONLY, subject) ?? NotificationTypes.unknown;
}

function riskSubtype({ subject, body, eventCount, hasSecurityFields }: ClassifyInput): NotificationType {
  const fromSubject = firstMatch(RISK_HINTS, subject);
  if (fromSubject) return fromSubject;
  if (hasSecurityFields) return NotificationTypes.securityAlert;
  const fromBody = firstMatch(RISK_HINTS, body);
  if (fromBody) return fromBody;
  return eventCount > 1 ? NotificationTypes.riskOutbreak : NotificationTypes.singleRiskEvent;
}
