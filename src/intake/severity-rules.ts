import type { SeverityConfig, SeverityRuleConfig } from '../config/schema.ts';
import { resolveAction } from '../mail/actions.ts';
import type { NotificationType, RiskEvent } from '../mail/types.ts';
import { globMatcher, type GlobKind } from '../match/glob.ts';
import { maxSeverity, severityRank } from '../soar/merge-rules.ts';
import type { Severity } from '../soar/port.ts';
import { AppError, ErrorCodes, isAppError } from '../shared/errors.ts';

/**
 * `soar.severity.rules` compiled (pure). Patterns go through the linear-time glob matcher of src/match: no RegExp is
 * ever built from configuration. A rule matches when its notification-level conditions (types, minComputers) hold
 * and one event of the incident meets all its event-level conditions; each condition says in words why it matched,
 * and those words are the reason the incident shows.
 */

/** The computer, IP or group of an event that is in policy.protected: the rule it matched, else null. */
export type ProtectedCheck = (ev: RiskEvent) => string | null;

export interface RuleContext {
  type: NotificationType;
  /** Distinct computers across the whole notification (outbreak size). */
  computerCount: number;
}

/** One reason an incident has at least `severity`. */
export interface SeverityReason {
  severity: Severity;
  text: string;
}

type EventCondition = (ev: RiskEvent) => string | null;

interface CompiledRule {
  name: string;
  severity: Severity;
  types: ReadonlySet<string> | null;
  minComputers: number | null;
  events: EventCondition[];
}

export interface CompiledSeverityRules {
  rules: readonly CompiledRule[];
}

const patternOf = (hit: string): string => hit.slice(hit.indexOf(': ') + 2);

function globCondition(
  entries: string[] | undefined,
  list: string,
  kind: GlobKind,
  pick: (ev: RiskEvent) => string | undefined,
  label: string,
): EventCondition | null {
  if (!entries) return null;
  const match = globMatcher(entries, list, kind);
  return (ev) => {
    const value = pick(ev);
    const hit = value ? match(value) : null;
    return hit ? `${label} ${value} matches ${patternOf(hit)}` : null;
  };
}

function actionCode(ev: RiskEvent): number | undefined {
  return ev.actionCode ?? resolveAction(ev.action ?? ev.actionRaw ?? '')?.actionCode;
}

function actionCondition(entries: string[] | undefined, list: string): EventCondition | null {
  if (!entries) return null;
  const codes = new Set(
    entries.map((entry, i) => {
      const code = resolveAction(entry)?.actionCode;
      if (code === undefined) {
        throw new AppError(ErrorCodes.CONFIG_INVALID, `${list}[${i}] ${JSON.stringify(entry)}: not a SEP action`);
      }
      return code;
    }),
  );
  return (ev) => {
    const code = actionCode(ev);
    return code !== undefined && codes.has(code) ? `action ${ev.action ?? ev.actionRaw ?? code}` : null;
  };
}

const computerOf = (ev: RiskEvent): string | undefined => ev.computer ?? ev.targetComputer;
const signatureOf = (ev: RiskEvent): string | undefined => ev.extra?.['CIDS Signature string'] ?? ev.description;

function compileRule(r: SeverityRuleConfig, i: number, isProtected: ProtectedCheck | null): CompiledRule {
  const at = `soar.severity.rules[${i}]`;
  const protectedCondition: EventCondition | null = r.protected
    ? (ev) => {
        const hit = isProtected?.(ev) ?? null;
        return hit ? `protected (${hit})` : null;
      }
    : null;
  const events = [
    globCondition(r.riskNames, `${at}.riskNames`, 'plain', (ev) => ev.riskName, 'risk'),
    actionCondition(r.actions, `${at}.actions`),
    globCondition(r.computers, `${at}.computers`, 'host', computerOf, 'computer'),
    globCondition(r.groups, `${at}.groups`, 'path', (ev) => ev.group, 'group'),
    globCondition(r.signatures, `${at}.signatures`, 'plain', signatureOf, 'signature'),
    protectedCondition,
  ].filter((c): c is EventCondition => c !== null);
  return {
    name: r.name,
    severity: r.severity,
    types: r.types ? new Set(r.types) : null,
    minComputers: r.minComputers ?? null,
    events,
  };
}

const cache = new WeakMap<SeverityConfig, CompiledSeverityRules>();

/**
 * Validates and compiles the rules; throws AppError CONFIG_INVALID naming the bad entry (run at start by
 * config/semantics.ts). Without `isProtected`, `protected: true` rules never match (no policy to check against).
 */
export function compileSeverityRules(config: SeverityConfig, isProtected?: ProtectedCheck): CompiledSeverityRules {
  const hit = isProtected ? undefined : cache.get(config);
  if (hit) return hit;
  try {
    const compiled = { rules: config.rules.map((r, i) => compileRule(r, i, isProtected ?? null)) };
    if (!isProtected) cache.set(config, compiled);
    return compiled;
  } catch (err) {
    if (isAppError(err) && err.code !== ErrorCodes.CONFIG_INVALID) {
      throw new AppError(ErrorCodes.CONFIG_INVALID, err.message, { details: err.details });
    }
    throw err;
  }
}

/** Why `rule` applies to these events, or null when it does not. */
function ruleReason(rule: CompiledRule, events: readonly RiskEvent[], ctx: RuleContext): string | null {
  if (rule.types && !rule.types.has(ctx.type)) return null;
  const because: string[] = [];
  if (rule.types) because.push(`type ${ctx.type}`);
  if (rule.minComputers !== null) {
    if (ctx.computerCount < rule.minComputers) return null;
    because.push(`${ctx.computerCount} computers ≥ ${rule.minComputers}`);
  }
  if (rule.events.length > 0) {
    let found: string[] | null = null;
    for (const ev of events) {
      const texts = rule.events.map((c) => c(ev));
      if (texts.every((t) => t !== null)) {
        found = texts as string[];
        break;
      }
    }
    if (!found) return null;
    because.push(...found);
  }
  return `rule ${rule.name}: ${because.join(', ')}`;
}

/** Every rule that applies, as reasons (in rule order). */
export function matchingRules(
  compiled: CompiledSeverityRules,
  events: readonly RiskEvent[],
  ctx: RuleContext,
): SeverityReason[] {
  const out: SeverityReason[] = [];
  for (const rule of compiled.rules) {
    const text = ruleReason(rule, events, ctx);
    if (text) out.push({ severity: rule.severity, text });
  }
  return out;
}

/** The worst severity among the reasons (Low when there are none). */
export function worstOf(reasons: readonly SeverityReason[]): Severity {
  return reasons.reduce<Severity>((s, r) => maxSeverity(s, r.severity), 'Low');
}

/** Reasons that decided the severity first, then the rest, each worst first. */
export function sortReasons(reasons: readonly SeverityReason[]): SeverityReason[] {
  return [...reasons].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}
