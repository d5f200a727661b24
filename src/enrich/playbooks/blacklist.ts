import { type CellValue } from '../../soar/port.ts';
import { SepTables } from '../../soar/sep-tables.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { FingerprintList } from '../../sepm/functions/schemas.ts';
import type { JobContext } from '../jobs/context.ts';
import type { PlaybookPayload } from '../../jobs/playbook-schemas.ts';
import { auditAction, containmentGate } from '../containment/playbooks.ts';
import { checkSelection, groupPathOf, resolveOneGroup } from '../containment/group-members.ts';
import { blacklistNameFor, managedBlacklistNames, readBlacklist } from './lookups.ts';
import { fingerprintHashes, fingerprintRow } from '../rows/table-rows.ts';

/** Hash blacklist (SEPM fingerprint list) playbooks. Adds are idempotent: "already present" is success. */

const T = SepTables.fingerprintLists;

async function upsertListRow(ctx: JobContext, incidentId: number, cells: Record<string, CellValue>): Promise<void> {
  const rows = await ctx.soar.listTableRows(incidentId, T);
  const existing = rows.find((r) => r.cells.list_id === cells.list_id && r.cells.list_name === cells.list_name);
  if (existing) await ctx.soar.updateTableRow(incidentId, T, existing.id, cells);
  else await ctx.soar.addTableRow(incidentId, T, cells);
}

async function rereadAndRecord(
  ctx: JobContext,
  incidentId: number,
  name: string,
): Promise<FingerprintList | undefined> {
  const state = await readBlacklist(ctx, name);
  if (state.list) await upsertListRow(ctx, incidentId, fingerprintRow(state.list, state.domain.name, ctx.now()));
  return state.list;
}

export async function blacklistInfo(p: PlaybookPayload<'blacklist-info'>, ctx: JobContext): Promise<unknown> {
  const state = await readBlacklist(ctx, p.listName, p.hash);
  if (!state.list) {
    await ctx.soar.addNote(
      p.incidentId,
      `Blacklist '${state.name}' does not exist; hash ${p.hash} is not blacklisted.`,
    );
    return { exists: false, present: false };
  }
  await upsertListRow(ctx, p.incidentId, fingerprintRow(state.list, state.domain.name, ctx.now()));
  const present = fingerprintHashes(state.list).includes(p.hash);
  await ctx.soar.addNote(p.incidentId, `Hash ${p.hash} is ${present ? '' : 'not '}in blacklist '${state.name}'.`);
  return { exists: true, present, listId: state.list.id };
}

export async function addHashToBlacklist(
  p: PlaybookPayload<'add-hash-to-blacklist'>,
  ctx: JobContext,
): Promise<unknown> {
  const target = { computer: `blacklist '${blacklistNameFor(ctx, p.hash, p.listName)}'` };
  const gate = await containmentGate(ctx, p.incidentId, 'blacklist', target);
  if (!gate.run) return { dryRun: true, note: gate.note };
  const state = await readBlacklist(ctx, p.listName, p.hash);
  let outcome: 'created' | 'added' | 'already present';
  if (!state.list) {
    const created = await ctx.sepm.addFingerprintList({
      name: state.name,
      description: `Fingerprint list '${state.name}'`,
      domainId: state.domain.id,
      hash: p.hash,
    });
    outcome = 'created';
    // 409: another worker created it between our read and our add; fall through to an update.
    if (!created.created) outcome = await addToExisting(ctx, p.hash, state.name);
  } else if (fingerprintHashes(state.list).includes(p.hash)) {
    outcome = 'already present';
  } else {
    outcome = await addToExisting(ctx, p.hash, state.name);
  }
  const list = await rereadAndRecord(ctx, p.incidentId, state.name);
  if (outcome === 'already present') {
    await ctx.soar.addNote(p.incidentId, `Hash ${p.hash} is already in blacklist '${state.name}'; nothing changed.`);
  } else {
    await auditAction(
      ctx,
      p.incidentId,
      'blacklist',
      { hash: p.hash, fingerprintList: state.name },
      {
        detail: `Hash ${p.hash} ${outcome === 'created' ? 'added to the new' : 'added to'} blacklist '${state.name}' (list id ${list?.id ?? '?'}).`,
      },
    );
  }
  return { outcome, listId: list?.id };
}

async function addToExisting(ctx: JobContext, hash: string, name: string): Promise<'added' | 'already present'> {
  const state = await readBlacklist(ctx, name);
  const list = state.list;
  if (!list)
    throw new AppError(ErrorCodes.SEPM_CONFLICT, `blacklist '${name}' vanished while adding`, { retryable: true });
  if (fingerprintHashes(list).includes(hash)) return 'already present';
  await ctx.sepm.updateFingerprintList({
    id: list.id,
    name: list.name,
    description: list.description || `Fingerprint list '${name}'`,
    domainId: state.domain.id,
    addHashes: [hash],
  });
  return 'added';
}

export async function deleteHashFromBlacklist(
  p: PlaybookPayload<'delete-hash-from-blacklist'>,
  ctx: JobContext,
): Promise<unknown> {
  const state = await readBlacklist(ctx, p.listName, p.hash);
  if (!state.list || !fingerprintHashes(state.list).includes(p.hash)) {
    await ctx.soar.addNote(p.incidentId, `Hash ${p.hash} is not in blacklist '${state.name}'; nothing changed.`);
    return { removed: false };
  }
  const undo = `Undo: run add-hash-to-blacklist with hash ${p.hash}.`;
  if (fingerprintHashes(state.list).length === 1 && !ctx.config.enrich.keepEmptyBlacklist) {
    return deleteEmptiedList(ctx, p.incidentId, state.list, state.name, p.hash, undo);
  }
  await ctx.sepm.updateFingerprintList({
    id: state.list.id,
    name: state.list.name,
    description: state.list.description || `Fingerprint list '${state.name}'`,
    domainId: state.domain.id,
    removeHashes: [p.hash],
  });
  await rereadAndRecord(ctx, p.incidentId, state.name);
  await ctx.soar.addNote(
    p.incidentId,
    `Hash ${p.hash} removed from blacklist '${state.name}' by ${ctx.meta.requestedBy}. ${undo}`,
  );
  return { removed: true, listId: state.list.id, listDeleted: false };
}

/**
 * The last hash goes with its list, as fn_sep did (config enrich.keepEmptyBlacklist keeps the empty list): SEPM
 * would otherwise keep an empty list assigned to lock-downs. The list's row shows it empty.
 */
async function deleteEmptiedList(
  ctx: JobContext,
  incidentId: number,
  list: FingerprintList,
  name: string,
  hash: string,
  undo: string,
): Promise<unknown> {
  await ctx.sepm.deleteFingerprintList({ id: list.id });
  const rows = await ctx.soar.listTableRows(incidentId, T);
  for (const r of rows.filter((x) => x.cells.list_id === list.id)) {
    await ctx.soar.updateTableRow(incidentId, T, r.id, { hash_values: '', group_ids: '' });
  }
  const groups =
    Array.isArray(list.groupIds) && list.groupIds.length ? ` (was assigned to groups ${list.groupIds.join(', ')})` : '';
  await ctx.soar.addNote(
    incidentId,
    `Hash ${hash} removed from blacklist '${name}' by ${ctx.meta.requestedBy}; it was the last hash, so the list (id ${list.id})${groups} was deleted. ${undo}`,
  );
  return { removed: true, listId: list.id, listDeleted: true };
}

export async function deleteBlacklist(p: PlaybookPayload<'delete-blacklist'>, ctx: JobContext): Promise<unknown> {
  const deleted: string[] = [];
  for (const name of managedBlacklistNames(ctx, p.listName)) {
    const state = await readBlacklist(ctx, name);
    if (!state.list) continue;
    const hashes = fingerprintHashes(state.list);
    await ctx.sepm.deleteFingerprintList({ id: state.list.id });
    deleted.push(state.list.id);
    await ctx.soar.addNote(
      p.incidentId,
      `Blacklist '${name}' (id ${state.list.id}, ${hashes.length} hashes) deleted by ${ctx.meta.requestedBy}. Undo: add the hashes again: ${hashes.join(', ')}.`,
    );
  }
  if (deleted.length === 0) {
    await ctx.soar.addNote(
      p.incidentId,
      `Blacklist '${managedBlacklistNames(ctx, p.listName).join("' / '")}' does not exist; nothing deleted.`,
    );
  }
  return { deleted: deleted.length > 0, listIds: deleted };
}

export async function assignBlacklistToLockdownGroup(
  p: PlaybookPayload<'assign-blacklist-to-lockdown-group'>,
  ctx: JobContext,
): Promise<unknown> {
  const group = await resolveOneGroup(ctx, p.groupId, 'lockdown');
  if (group.policyInheritanceEnabled) {
    throw new AppError(
      ErrorCodes.POLICY_DENIED,
      `group '${group.fullPathName ?? group.name}' inherits its policy; lock-down can only be assigned to groups without policy inheritance`,
    );
  }
  // The lock-down reaches the group's computers and the subgroups that inherit from it: all are checked.
  const { targets } = await checkSelection(ctx, p.incidentId, 'lockdown', {
    groupIds: [group.id],
    computerIds: [],
    hardwareKeys: [],
  });
  const target = targets[0] ?? { group: groupPathOf(group)! };
  const gate = await containmentGate(ctx, p.incidentId, 'lockdown', target);
  if (!gate.run) return { dryRun: true, note: gate.note };
  const assigned: string[] = [];
  for (const name of managedBlacklistNames(ctx, p.listName)) {
    const state = await readBlacklist(ctx, name);
    if (!state.list) continue;
    const out = await ctx.sepm.assignFingerprintListToGroup({
      fingerprintListId: state.list.id,
      groupId: group.id,
    });
    if (!out.assigned) {
      const why = out.error?.errorMessage ?? 'no reason';
      throw new AppError(ErrorCodes.SEPM_BAD_REQUEST, `SEPM refused the lock-down assignment of '${name}': ${why}`);
    }
    assigned.push(state.list.id);
    // The list's row names the groups it is assigned to: read it again so group_ids includes this one.
    await rereadAndRecord(ctx, p.incidentId, name);
    await auditAction(
      ctx,
      p.incidentId,
      'lockdown',
      { ...target, groupId: p.groupId, fingerprintList: name },
      { detail: `Blacklist '${name}' (id ${state.list.id}) assigned to the System Lockdown of group ${p.groupId}.` },
    );
  }
  if (assigned.length === 0) {
    throw new AppError(ErrorCodes.SEPM_GONE, 'no managed blacklist exists yet; add a hash first');
  }
  return { assigned: true, groupId: p.groupId, listIds: assigned };
}
