import { z } from 'zod';

/**
 * `soar.severity`: the rules that raise an incident's severity above what SEP's action alone says (schema and
 * defaults; evaluated by src/intake/severity-rules.ts, documented in docs/configuration.md). Every condition a rule
 * names must hold (AND); a rule with several patterns in one list matches when any pattern does (OR). A rule can
 * only raise: the incident's severity is the worst of the action outcome and every matching rule.
 */

export const SEVERITIES = ['Low', 'Medium', 'High'] as const;

/** The notification types a rule can name (the four risk types of src/mail/types.ts). */
export const RISK_NOTIFICATION_TYPES = [
  'single_risk_event',
  'new_risk_detected',
  'risk_outbreak',
  'client_security_alert',
] as const;

const patterns = z.array(z.string().min(1)).min(1);

export const severityRuleSchema = z
  .object({
    /** Shown in the incident as the reason ("rule ransomware: …"). */
    name: z.string().min(1).max(80),
    severity: z.enum(SEVERITIES),
    /** Notification types (any of). */
    types: z.array(z.enum(RISK_NOTIFICATION_TYPES)).min(1).optional(),
    /** Risk-name globs (`*`, `?`, case-insensitive), e.g. `Ransom.*`. */
    riskNames: patterns.optional(),
    /** SEP actions by name or code as in docs/reference (e.g. `Left alone`, `23`), resolved like the mail parser. */
    actions: patterns.optional(),
    /** At least this many distinct computers in the notification (outbreak size). */
    minComputers: z.number().int().min(1).optional(),
    /** Computer-name globs (also tried on the short name of an FQDN), e.g. `SRV-*`. */
    computers: patterns.optional(),
    /** SEPM group path globs (`\` and `/` alike, `**` spans groups), e.g. `**\Servers`. */
    groups: patterns.optional(),
    /** true: the computer, one of its IPs or its group is in policy.protected. */
    protected: z.literal(true).optional(),
    /** Security alerts: globs on the signature (CIDS signature string, else the event description). */
    signatures: patterns.optional(),
  })
  .strict()
  .refine(
    (r) =>
      [r.types, r.riskNames, r.actions, r.minComputers, r.computers, r.groups, r.protected, r.signatures].some(
        (c) => c !== undefined,
      ),
    { message: 'a rule needs at least one condition' },
  );

export type SeverityRuleConfig = z.infer<typeof severityRuleSchema>;

/**
 * Defaults. Families that mean a human attacker or data loss (ransomware, backdoors, hack tools, exploits) are High
 * even when SEP removed the file: removal does not undo what ran before it. Worms and a spread to 3+ computers are at
 * least Medium, 10+ High. A server or protected asset is at least Medium (High when protected). Security alerts
 * (intrusion prevention) stay High as before; a cleaned "New risk" is Medium (a risk never seen before here).
 */
export const DEFAULT_SEVERITY_RULES: SeverityRuleConfig[] = [
  { name: 'ransomware', severity: 'High', riskNames: ['Ransom.*', 'Trojan.Ransom*', '*.Ransomware*'] },
  { name: 'backdoor', severity: 'High', riskNames: ['Backdoor.*'] },
  { name: 'hacktool', severity: 'High', riskNames: ['Hacktool.*'] },
  { name: 'exploit', severity: 'High', riskNames: ['Exploit.*', 'Bloodhound.Exploit.*'] },
  { name: 'worm', severity: 'Medium', riskNames: ['W32.*Worm*', 'Worm.*', '*.Worm', 'W32.Downadup*'] },
  { name: 'spread-3-computers', severity: 'Medium', minComputers: 3 },
  { name: 'spread-10-computers', severity: 'High', minComputers: 10 },
  { name: 'protected-asset', severity: 'High', protected: true },
  { name: 'server-group', severity: 'Medium', groups: ['**\\Servers', '**\\Servers\\**'] },
  { name: 'server-name', severity: 'Medium', computers: ['SRV*', 'DC0*', 'DC-*', '*-SQL*'] },
  { name: 'security-alert', severity: 'High', types: ['client_security_alert'] },
  { name: 'new-risk', severity: 'Medium', types: ['new_risk_detected'] },
];

export const severitySchema = z
  .object({
    rules: z.array(severityRuleSchema).default(() => DEFAULT_SEVERITY_RULES.map((r) => ({ ...r }))),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.rules.forEach((r, i) => {
      if (seen.has(r.name))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: 'duplicate rule name' });
      seen.add(r.name);
    });
  });

export type SeverityConfig = z.infer<typeof severitySchema>;
