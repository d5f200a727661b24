import { validateSepInput } from '../../sepm/functions/functions.ts';
import type { SepFunctionName } from '../../sepm/functions/schemas.ts';
import { containmentGate, type ContainmentAction, type ContainmentTarget, type GateOutcome } from './playbooks.ts';
import { targetOf } from './targets.ts';
import { checkSelection, groupPathOf, normaliseId, resolveOneGroup, unresolved } from './group-members.ts';
import { findComputers, type ComputerRef } from '../playbooks/lookups.ts';
import type { JobContext } from '../jobs/context.ts';

/**
 * Raw SEP function jobs reach SEPM without a playbook, so the destructive ones pass the same containment gate.
 * The gate sees the input exactly as it will be sent (parsed and normalised by the function's schema first: a
 * comma-separated id string is a list here too), every id resolved in SEPM (unknown = refused), groups expanded
 * to their subgroups and member computers, and a move's destination group as well as the computer moved.
 */

type Input = Record<string, unknown>;

/** Up to this many named computers are looked up one by one; more (or any group) costs one pass over the estate. */
const SINGLE_LOOKUPS = 20;

function ids(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** Which containment action a (parsed) function call is, if any. */
export function containmentActionOf(name: SepFunctionName, input: Input): ContainmentAction | undefined {
  switch (name) {
    case 'quarantine-endpoints':
      return input.undo === true ? undefined : 'quarantine';
    case 'scan-endpoints':
      return input.scanAction === 'remediate' ? 'remediate' : undefined;
    case 'move-endpoint':
      return 'move';
    case 'add-fingerprint-list':
    case 'update-fingerprint-list':
      return 'blacklist';
    case 'assign-fingerprint-list-to-group':
      return 'lockdown';
    default:
      return undefined;
  }
}

/** Few named computers, no groups: one look-up each; an id SEPM does not know is refused. */
async function namedComputers(ctx: JobContext, action: ContainmentAction, input: Input): Promise<ContainmentTarget[]> {
  const refs: ComputerRef[] = [
    ...ids(input.computerIds).map((computerId) => ({ computerId: normaliseId(computerId) })),
    ...ids(input.hardwareKeys).map((hardwareKey) => ({ hardwareKey: normaliseId(hardwareKey) })),
  ];
  const out: ContainmentTarget[] = [];
  const missing: string[] = [];
  for (const ref of refs) {
    const found = await findComputers(ctx, ref);
    if (found.length === 0) missing.push(ref.computerId ?? ref.hardwareKey ?? '');
    out.push(...found.map(targetOf));
  }
  if (missing.length > 0) throw unresolved(action, 'computer', missing);
  return out;
}

/** The source computer (by hardware key) and the destination group: moving a host into a protected group shields it. */
async function moveTargets(ctx: JobContext, input: Input): Promise<ContainmentTarget[]> {
  const targets = await namedComputers(ctx, 'move', { hardwareKeys: [str(input.hardwareKey) ?? ''] });
  const dest = await resolveOneGroup(ctx, str(input.groupId) ?? '', 'move');
  return [...targets, { group: groupPathOf(dest)! }];
}

async function resolvedTargets(
  ctx: JobContext,
  name: SepFunctionName,
  action: ContainmentAction,
  input: Input,
): Promise<ContainmentTarget[]> {
  if (name === 'move-endpoint') return moveTargets(ctx, input);
  const groupIds = [...ids(input.groupIds), ...(str(input.groupId) ? [str(input.groupId)!] : [])];
  const computerIds = ids(input.computerIds);
  const hardwareKeys = ids(input.hardwareKeys);
  if (groupIds.length === 0 && computerIds.length + hardwareKeys.length <= SINGLE_LOOKUPS) {
    return namedComputers(ctx, action, input);
  }
  return (await checkSelection(ctx, undefined, action, { groupIds, computerIds, hardwareKeys })).targets;
}

export interface GuardedCall {
  /** The parsed input: what was checked is what gets sent. */
  input: Input;
  /** null = not a containment action (run it); otherwise the gate's outcome (throws when refused). */
  gate: GateOutcome | null;
}

export async function guardSepFunction(ctx: JobContext, name: SepFunctionName, raw: unknown): Promise<GuardedCall> {
  const input = validateSepInput(name, raw) as Input;
  const action = containmentActionOf(name, input);
  if (!action) return { input, gate: null };
  const targets = await resolvedTargets(ctx, name, action, input);
  return { input, gate: await containmentGate(ctx, undefined, action, targets) };
}
