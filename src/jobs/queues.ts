/**
 * Queue names in one place. Redis keys are `<prefix>:<queue>:*`; the prefix isolates deployments and tests.
 */
export const QueueNames = {
  /** Raw accepted mails waiting for the intake worker (parse → whitelist → SOAR). */
  intake: 'intake',
  /** Incidents created or merged, waiting for automatic enrichment. */
  incidentReady: 'incident-ready',
  /** SEP functions and playbooks, from automation, the dashboard or the API. */
  sep: 'sep',
  /** Delayed polls of SEPM commands until a terminal state. */
  tracking: 'tracking',
} as const;

export type QueueName = (typeof QueueNames)[keyof typeof QueueNames];

export const DEFAULT_PREFIX = 'sepm-intake';
