import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { protectedRules, type ContainmentAction, type ContainmentTarget } from './index.ts';
import type { SepmComputer, SepmGroup } from '../../sepm/functions/schemas.ts';
import type { JobContext } from '../jobs/context.ts';
import { targetOf } from './targets.ts';

/**
 * Group-targeted containment (quarantine / remediate / lock-down on group ids) reaches every computer in the group
 * and in all its subgroups, so the gate has to see them: the groups are resolved in SEPM (unknown id = refused,
 * fail closed), the estate is read once page by page (never one call per computer, never all records held at
 * once) and every member is checked against the protected hosts, IPs and groups. One protected member refuses the
 * whole job: SEPM cannot exclude single computers from a group command.
 */

/** How many protected assets a refusal names (the count covers all of them). */
const EXAMPLES = 5;

/** SEPM ids are 32 hex digits and SEPM itself ignores their case, so we compare them upper-cased. */
export function normaliseId(id: string): string {
  return id.trim().toUpperCase();
}

export function groupPathOf(g: SepmGroup): string | undefined {
  const p = g.fullPathName?.trim();
  return p ? p : undefined;
}

export function unresolved(action: ContainmentAction, what: string, ids: string[]): AppError {
  return new AppError(
    ErrorCodes.POLICY_TARGET_UNRESOLVED,
    `${action} refused: SEPM knows no ${what} ${ids.join(', ')}, so it cannot be checked against the protected lists`,
    { details: { action, [what === 'group' ? 'groupIds' : 'computerIds']: ids } },
  );
}

export async function loadGroups(ctx: JobContext): Promise<SepmGroup[]> {
  return (await ctx.sepm.getGroups({})).content;
}

/** The groups with these ids (case-insensitive) and a full path; throws POLICY_TARGET_UNRESOLVED for the rest. */
export function resolveGroups(all: SepmGroup[], ids: string[], action: ContainmentAction): SepmGroup[] {
  const byId = new Map(all.map((g) => [normaliseId(String(g.id ?? '')), g]));
  const missing: string[] = [];
  const found: SepmGroup[] = [];
  for (const id of ids) {
    const g = byId.get(normaliseId(id));
    // Without its full path a group cannot be placed in the tree or matched against protected groups.
    if (g && groupPathOf(g)) found.push(g);
    else missing.push(id);
  }
  if (missing.length > 0) throw unresolved(action, 'group', missing);
  return found;
}

/** `path` is `root` or below it (case-insensitive; `\` and `/` alike). */
function isAtOrBelow(path: string, root: string): boolean {
  const p = path.replace(/\//g, '\\').toLowerCase();
  const r = root.replace(/\//g, '\\').toLowerCase();
  return p === r || p.startsWith(`${r}\\`);
}

function sameDomain(a: string | undefined, b: string | undefined): boolean {
  // An unknown domain on either side counts as the same: including one group too many is the safe mistake.
  return !a || !b || normaliseId(a) === normaliseId(b);
}

interface Root {
  path: string;
  domainId: string | undefined;
}

/** The roots and every subgroup (same domain, path below a root), each once. */
export function groupTree(all: SepmGroup[], roots: SepmGroup[]): SepmGroup[] {
  const rs: Root[] = roots.map((g) => ({ path: groupPathOf(g)!, domainId: g.domain?.id }));
  const inTree = (g: SepmGroup): boolean => {
    const path = groupPathOf(g);
    return !!path && rs.some((r) => isAtOrBelow(path, r.path) && sameDomain(g.domain?.id, r.domainId));
  };
  const out = new Map<string, SepmGroup>();
  for (const g of [...roots, ...all.filter(inTree)]) out.set(normaliseId(String(g.id ?? '')), g);
  return [...out.values()];
}

/** Collects protected hits: the count of all, the labels of the first few. */
export class ProtectedHits {
  count = 0;
  readonly examples: string[] = [];

  check(label: string, target: ContainmentTarget, ctx: JobContext): void {
    const rules = protectedRules(target, ctx.config.policy);
    if (rules.length === 0) return;
    this.count++;
    if (this.examples.length < EXAMPLES) this.examples.push(`${label} (${rules.join('; ')})`);
  }

  summary(): string {
    const more = this.count > this.examples.length ? `, and ${this.count - this.examples.length} more` : '';
    return `${this.count} protected asset(s): ${this.examples.join(', ')}${more}`;
  }
}

export interface EstateSelection {
  /** Group tree whose members are selected (ids upper-cased). */
  groupIds: Set<string>;
  roots: SepmGroup[];
  computerIds: Set<string>;
  hardwareKeys: Set<string>;
}

function inGroups(c: SepmComputer, sel: EstateSelection): boolean {
  if (c.group?.id && sel.groupIds.has(normaliseId(c.group.id))) return true;
  // A subgroup SEPM did not list with its path still counts when the computer's group path is below a root.
  const path = c.group?.name;
  if (!path) return false;
  return sel.roots.some((r) => isAtOrBelow(path, groupPathOf(r)!) && sameDomain(c.group?.domain?.id, r.domain?.id));
}

function named(c: SepmComputer, sel: EstateSelection): boolean {
  return (
    sel.computerIds.has(normaliseId(c.uniqueId ?? '')) ||
    (!!c.hardwareKey && sel.hardwareKeys.has(normaliseId(c.hardwareKey)))
  );
}

export interface EstateScan {
  /** Computers reached (group members and named computers). */
  members: number;
  /** Gate targets of the computers named by id / hardware key. */
  named: ContainmentTarget[];
  seenIds: Set<string>;
}

/**
 * One pass over the estate (`GET /computers`, sepm.pageSize per page): every selected computer is checked into
 * `hits`. Records are dropped page by page, so 50,000 endpoints cost one page of memory.
 */
export async function scanEstate(ctx: JobContext, sel: EstateSelection, hits: ProtectedHits): Promise<EstateScan> {
  const out: EstateScan = { members: 0, named: [], seenIds: new Set() };
  for await (const page of ctx.client.pages<SepmComputer>('/computers', {})) {
    for (const c of page.content) {
      if (!c) continue;
      const byName = named(c, sel);
      if (!byName && !inGroups(c, sel)) continue;
      out.members++;
      const target = targetOf(c);
      if (byName) {
        out.named.push(target);
        out.seenIds.add(normaliseId(c.uniqueId ?? ''));
        if (c.hardwareKey) out.seenIds.add(normaliseId(c.hardwareKey));
      }
      hits.check(`computer ${c.computerName}`, target, ctx);
    }
  }
  return out;
}

export interface SelectionInput {
  groupIds: string[];
  computerIds: string[];
  hardwareKeys: string[];
}

export interface SelectionCheck {
  /** The requested groups (full paths) and named computers, for the regular containment gate and audit notes. */
  targets: ContainmentTarget[];
  members: number;
}

/**
 * Resolves the groups and named computers, walks the subgroups and members and refuses when any id is unknown
 * (POLICY_TARGET_UNRESOLVED) or any group or computer reached is protected (POLICY_PROTECTED_IN_GROUP, with a
 * note on the incident when there is one).
 */
export async function checkSelection(
  ctx: JobContext,
  incidentId: number | undefined,
  action: ContainmentAction,
  input: SelectionInput,
): Promise<SelectionCheck> {
  const hits = new ProtectedHits();
  let roots: SepmGroup[] = [];
  let tree: SepmGroup[] = [];
  if (input.groupIds.length > 0) {
    const all = await loadGroups(ctx);
    roots = resolveGroups(all, input.groupIds, action);
    tree = groupTree(all, roots);
  }
  for (const g of tree) hits.check(`group ${groupPathOf(g)}`, { group: groupPathOf(g)! }, ctx);
  const sel: EstateSelection = {
    groupIds: new Set(tree.map((g) => normaliseId(String(g.id ?? '')))),
    roots,
    computerIds: new Set(input.computerIds.map(normaliseId)),
    hardwareKeys: new Set(input.hardwareKeys.map(normaliseId)),
  };
  const scan = await scanEstate(ctx, sel, hits);
  const missing = [...input.computerIds, ...input.hardwareKeys].filter((id) => !scan.seenIds.has(normaliseId(id)));
  if (missing.length > 0) throw unresolved(action, 'computer', missing);
  const targets = [...roots.map((g) => ({ group: groupPathOf(g)! })), ...scan.named];
  if (hits.count > 0) await refuseProtected(ctx, incidentId, action, targets, hits);
  return { targets, members: scan.members };
}

export async function refuseProtected(
  ctx: JobContext,
  incidentId: number | undefined,
  action: ContainmentAction,
  targets: ContainmentTarget[],
  hits: ProtectedHits,
): Promise<never> {
  const names = targets.map((t) => t.group ?? t.computer ?? '?');
  const label =
    names.length > EXAMPLES
      ? `${names.slice(0, EXAMPLES).join(', ')} and ${names.length - EXAMPLES} more`
      : names.join(', ');
  const why = `the action would reach ${hits.summary()}`;
  if (incidentId !== undefined) {
    await ctx.soar.addNote(
      incidentId,
      `Containment refused: ${action} of ${label} (${ctx.meta.requestedBy} request). ${why}`,
    );
  }
  ctx.logger.warn(
    { action, target: label, requestedBy: ctx.meta.requestedBy, protected: hits.count },
    'containment refused',
  );
  throw new AppError(ErrorCodes.POLICY_PROTECTED_IN_GROUP, `${action} of ${label} refused: ${why}`, {
    details: { action, requestedBy: ctx.meta.requestedBy, protectedCount: hits.count, examples: hits.examples },
  });
}

/** The destination of a move: resolved in SEPM (unknown = refused) and gated as a group target. */
export async function resolveOneGroup(ctx: JobContext, groupId: string, action: ContainmentAction): Promise<SepmGroup> {
  return resolveGroups(await loadGroups(ctx), [groupId], action)[0]!;
}
