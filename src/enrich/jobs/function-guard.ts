import type { SepFunctionName } from '../sepm/schemas.ts';
import {
  containmentGate,
  type ContainmentAction,
  type ContainmentTarget,
  type GateOutcome,
} from '../playbooks/containment.ts';
import { targetOf } from '../playbooks/endpoint.ts';
import { findComputers } from '../playbooks/lookups.ts';
import { sepOk, type JobContext } from './context.ts';

/**
 * Raw SEP function jobs reach SEPM without a playbook, so the destructive ones pass the same containment gate:
 * their computers and groups are resolved to names and paths and checked against the protected lists.
 */

type Input = Record<string, unknown>;

function ids(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** Which containment action a function call is, if any. */
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

async function groupTargets(ctx: JobContext, groupIds: string[]): Promise<ContainmentTarget[]> {
  if (groupIds.length === 0) return [];
  const groups = (await sepOk(ctx, 'get-groups', {})).content;
  // An unknown group id still gets a target (its id) so the decision names it.
  return groupIds.map((id) => {
    const g = groups.find((x) => x.id === id);
    return { group: g?.fullPathName ?? g?.name ?? id };
  });
}

async function computerTargets(ctx: JobContext, input: Input): Promise<ContainmentTarget[]> {
  const out: ContainmentTarget[] = [];
  for (const computerId of ids(input.computerIds)) {
    const found = await findComputers(ctx, { computerId });
    out.push(...(found.length ? found.map(targetOf) : [{ computer: computerId }]));
  }
  const keys = [...ids(input.hardwareKeys), ...(typeof input.hardwareKey === 'string' ? [input.hardwareKey] : [])];
  for (const hardwareKey of keys) {
    const found = await findComputers(ctx, { hardwareKey });
    out.push(...(found.length ? found.map(targetOf) : [{ computer: hardwareKey }]));
  }
  return out;
}

/** null = not a containment action (run it); otherwise the gate's outcome (throws when refused). */
export async function guardSepFunction(
  ctx: JobContext,
  name: SepFunctionName,
  input: Input,
): Promise<GateOutcome | null> {
  const action = containmentActionOf(name, input);
  if (!action) return null;
  const groupIds = [...ids(input.groupIds), ...(typeof input.groupId === 'string' ? [input.groupId] : [])];
  const targets = [...(await computerTargets(ctx, input)), ...(await groupTargets(ctx, groupIds))];
  return containmentGate(ctx, undefined, action, targets);
}
