import type { PolicyConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes, isAppError } from '../../shared/errors.ts';
import { compilePlainGlob, globMatcher } from '../../match/glob.ts';
import { ipMatcher, parseIp } from '../../match/ip-match.ts';

/**
 * Containment policy (pure). Nothing destructive runs automatically unless the action is enabled, the source
 * mail's sender verdict is trusted and the target is not protected; analysts may act by hand, but never on a
 * protected target. Per-hour caps need Redis and live in hourly-cap.ts: callers take a slot after an automatic
 * request is allowed here.
 */

export const CONTAINMENT_ACTIONS = ['quarantine', 'remediate', 'blacklist', 'lockdown', 'move'] as const;
export type ContainmentAction = (typeof CONTAINMENT_ACTIONS)[number];

export interface ContainmentTarget {
  computer?: string;
  /** The address shown in notes (the endpoint's first one). */
  ip?: string;
  /** Every address of the endpoint (IPv4 and IPv6, all NICs): each is checked against the protected IPs. */
  ips?: string[];
  /** Full SEPM group path, e.g. `My Company\Servers\DC`. */
  group?: string;
}

export interface ContainmentRequest {
  action: ContainmentAction;
  automatic: boolean;
  senderVerdict?: 'trusted' | 'untrusted';
  target: ContainmentTarget;
}

export interface ContainmentDecision {
  allowed: boolean;
  dryRun: boolean;
  reasons: string[];
}

/** Actions aimed at one endpoint: an automatic one must name the computer or IP so protection can be checked. */
const ENDPOINT_ACTIONS: readonly ContainmentAction[] = ['quarantine', 'remediate', 'move'];

type Matcher = (value: string) => string | null;
interface CompiledProtection {
  hosts: Matcher;
  groups: Matcher;
  ips: Matcher;
}

const cache = new WeakMap<PolicyConfig['protected'], CompiledProtection>();

/**
 * Host globs as in the whitelist's `host` mode, widened the safe way for protection: a short computer name
 * (`SEPM01`, as SEPM usually reports it) is also protected by an FQDN entry whose first label matches it
 * (`sepm01.corp.local`). Refusing one action too many is cheaper than quarantining a domain controller.
 */
function protectedHostMatcher(entries: string[]): Matcher {
  const full = globMatcher(entries, 'policy.protected.hosts', 'host');
  const firstLabels = entries
    .filter((e) => e.trim().includes('.'))
    .map((e) => ({
      re: compilePlainGlob(e.trim().split('.')[0] as string),
      rule: `policy.protected.hosts: ${e.trim()}`,
    }));
  return (value: string) => {
    const hit = full(value);
    if (hit || value.includes('.')) return hit;
    return firstLabels.find((f) => f.re.test(value.trim()))?.rule ?? null;
  };
}

const GROUPS_LIST = 'policy.protected.groups';

/**
 * Group path globs. `X\**` also protects X itself: operators write `My Company\Servers\**` meaning "Servers and
 * everything below it", and a quarantine of the group X reaches every host below it anyway. The path glob alone
 * would need at least one more segment, so those entries are also tried on the value plus one dummy segment
 * (`X` + `\_` matches `X\**` exactly when the value is X or below it). The rule named is the operator's entry.
 */
function protectedGroupMatcher(entries: string[]): Matcher {
  const full = globMatcher(entries, GROUPS_LIST, 'path');
  const subtrees = entries.filter((e) => /[\\/]\*\*$/.test(e.trim()));
  const self = subtrees.length > 0 ? globMatcher(subtrees, GROUPS_LIST, 'path') : null;
  return (value: string) => {
    const hit = full(value);
    const v = value.trim();
    if (hit || !self || v === '' || /[\\/]$/.test(v)) return hit;
    return self(`${v}\\_`);
  };
}

/**
 * Validates and compiles the protected lists (hosts: case-insensitive globs, also tried on the short name of an
 * FQDN; groups: path globs on the full group path, `\` and `/` alike, `**` for subgroups, `X\**` also X itself;
 * ips: addresses, CIDRs, a-b ranges). Throws AppError CONFIG_INVALID naming the bad entry, e.g. `policy.protected.ips[1] "10.0.0/8"`.
 */
export function compileProtection(p: PolicyConfig['protected']): CompiledProtection {
  const hit = cache.get(p);
  if (hit) return hit;
  try {
    const compiled = {
      hosts: protectedHostMatcher(p.hosts),
      groups: protectedGroupMatcher(p.groups),
      ips: ipMatcher(p.ips, 'policy.protected.ips'),
    };
    cache.set(p, compiled);
    return compiled;
  } catch (err) {
    if (isAppError(err)) throw new AppError(ErrorCodes.CONFIG_INVALID, err.message, { details: err.details });
    throw err;
  }
}

/** Every address of the target, first one first, without repeats. */
export function targetIps(target: ContainmentTarget): string[] {
  const all = [target.ip, ...(target.ips ?? [])].filter((ip): ip is string => typeof ip === 'string' && ip !== '');
  return [...new Set(all)];
}

/** The protected-list rules the target matches (empty = not protected). */
export function protectedRules(target: ContainmentTarget, policy: PolicyConfig): string[] {
  const p = compileProtection(policy.protected);
  const rules = [
    target.computer ? p.hosts(target.computer) : null,
    ...targetIps(target).map((ip) => p.ips(ip)),
    target.group ? p.groups(target.group) : null,
  ];
  return [...new Set(rules.filter((r): r is string => r !== null))];
}

function describeTarget(t: ContainmentTarget): string {
  const parts = [
    t.computer ? `computer ${t.computer}` : '',
    t.ip ? `IP ${t.ip}` : '',
    t.group ? `group ${t.group}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : '(no target details)';
}

function automaticRefusals(req: ContainmentRequest, policy: PolicyConfig): string[] {
  const refusals: string[] = [];
  if (!policy.actions[req.action].auto) {
    refusals.push(`automatic ${req.action} is not enabled (policy.actions.${req.action}.auto is false)`);
  }
  if (req.senderVerdict !== 'trusted') {
    refusals.push(`the source mail's sender verdict is ${req.senderVerdict ?? 'unknown'}, not trusted`);
  }
  const ipOk = targetIps(req.target).some((ip) => parseIp(ip) !== null);
  if (ENDPOINT_ACTIONS.includes(req.action) && !req.target.computer?.trim() && !ipOk) {
    refusals.push('the target names no computer or IP, so it cannot be checked against the protected lists');
  }
  return refusals;
}

export function evaluateContainment(req: ContainmentRequest, policy: PolicyConfig): ContainmentDecision {
  const dryRun = policy.dryRun;
  if (!(CONTAINMENT_ACTIONS as readonly string[]).includes(req.action)) {
    return { allowed: false, dryRun, reasons: [`unknown containment action ${JSON.stringify(req.action)}`] };
  }
  const refusals = protectedRules(req.target, policy).map((rule) => `target is protected (${rule})`);
  if (req.automatic) refusals.push(...automaticRefusals(req, policy));
  const who = req.automatic ? 'automatic' : 'analyst';
  const reasons = refusals.length
    ? [`${who} ${req.action} of ${describeTarget(req.target)} refused`, ...refusals]
    : [`${who} ${req.action} of ${describeTarget(req.target)} allowed`];
  if (refusals.length === 0 && req.automatic) {
    reasons.push(`within policy; subject to the hourly cap of ${policy.actions[req.action].hourlyCap}`);
  }
  if (dryRun) reasons.push('dry run: nothing will be sent to SEPM (policy.dryRun is true)');
  return { allowed: refusals.length === 0, dryRun, reasons };
}
