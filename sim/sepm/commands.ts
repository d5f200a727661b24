/**
 * Command lifecycle: one entry per targeted computer; stateId advances 0→1→2→3 every commandStepMs for online
 * clients (offline ones stay at 0). Effects (EOC results, remediation, quarantine, upload) apply once, when an
 * entry first reaches 3 — settled lazily before every request, so nobody has to poll for them to happen.
 */
import { createHash, randomInt } from 'node:crypto';
import type { SimCore } from './core.ts';
import { parseEoc, renderResult } from './eoc.ts';
import { QUARANTINED_DESC } from './estate.ts';
import { newId } from './rng.ts';
import type { SimCommand, SimCommandEntry, SimCommandKind, SimComputer, SimPlantedFile } from './types.ts';

export const CANCELED = 5;

export function createCommand(
  core: SimCore,
  kind: SimCommandKind,
  computers: SimComputer[],
  extra: Partial<Pick<SimCommand, 'eocXml' | 'undo' | 'file'>> = {},
): SimCommand {
  const cmd: SimCommand = {
    id: newId(),
    kind,
    createdAt: Date.now(),
    entries: computers.map((computer) => ({
      computer,
      completedApplied: false,
      resultInXML: null,
      binaryFileId: null,
      subStateId: 0,
      subStateDesc: null,
    })),
    ...extra,
  };
  core.state.commands.set(cmd.id, cmd);
  return cmd;
}

/** Time-derived state of one entry at `now` (epoch ms). */
export function entryState(core: SimCore, cmd: SimCommand, e: SimCommandEntry, now: number): number {
  if (e.forcedStateId !== undefined) return e.forcedStateId;
  if (e.computer.onlineStatus === 0) return 0;
  return Math.min(3, Math.floor((now - cmd.createdAt) / core.opts.commandStepMs));
}

/** ISO-8601 UTC without milliseconds, as SEPM writes command times. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Epoch ms at which the client picked the entry up (SEPM's beginTime), or null while it has not. */
export function beginTimeMs(core: SimCore, cmd: SimCommand, e: SimCommandEntry, now: number): number | null {
  const step = core.opts.commandStepMs;
  const reached = Math.floor(((e.forcedAt ?? now) - cmd.createdAt) / step);
  if (e.computer.onlineStatus === 1 && reached >= 1) return cmd.createdAt + step;
  return entryState(core, cmd, e, now) === 0 ? null : (e.forcedAt ?? cmd.createdAt + step);
}

export function entryView(core: SimCore, cmd: SimCommand, e: SimCommandEntry, now: number): Record<string, unknown> {
  const state = entryState(core, cmd, e, now);
  const begin = beginTimeMs(core, cmd, e, now);
  const last = e.forcedAt ?? cmd.createdAt + Math.max(1, state) * core.opts.commandStepMs;
  return {
    beginTime: begin === null ? null : iso(begin),
    lastUpdateTime: state === 0 ? null : iso(last),
    computerName: e.computer.computerName,
    computerIp: e.computer.ipAddress,
    domainName: core.recordCtx.domainsById.get(e.computer.domainId)?.name ?? 'Default',
    currentLoginUserName: e.computer.os === 'windows' ? 'Administrator' : 'root',
    stateId: state,
    subStateId: e.subStateId,
    subStateDesc: state === 0 ? null : (e.subStateDesc ?? ''),
    binaryFileId: state === 3 ? e.binaryFileId : null,
    resultInXML: state === 3 ? e.resultInXML : null,
    computerId: e.computer.uniqueId,
    hardwareKey: e.computer.hardwareKey,
  };
}

/** Entries whose completion effect has not been applied yet, per command (keeps settle() cheap). */
const unsettled = new WeakMap<SimCommand, SimCommandEntry[]>();

/** Applies the completion effects of every entry that has reached state 3 since the last call. */
export function settle(core: SimCore, now = Date.now()): void {
  for (const cmd of core.state.commands.values()) {
    let open = unsettled.get(cmd);
    if (!open) {
      open = cmd.entries.filter((e) => !e.completedApplied);
      unsettled.set(cmd, open);
    }
    // Nothing can complete before three steps have passed.
    if (open.length === 0 || now < cmd.createdAt + 3 * core.opts.commandStepMs) continue;
    const still: SimCommandEntry[] = [];
    for (const e of open) {
      if (e.completedApplied || e.forcedStateId !== undefined) continue;
      if (entryState(core, cmd, e, now) !== 3) {
        still.push(e);
        continue;
      }
      e.completedApplied = true;
      applyEffect(core, cmd, e);
    }
    unsettled.set(cmd, still);
  }
}

function applyEffect(core: SimCore, cmd: SimCommand, e: SimCommandEntry): void {
  const c = e.computer;
  if (cmd.kind === 'eoc' && cmd.eocXml !== undefined) {
    const outcome = renderResult(parseEoc(cmd.eocXml), c.files);
    e.resultInXML = outcome.xml;
    if (outcome.remediated.length > 0) c.files = c.files.filter((f) => !outcome.remediated.includes(f));
  } else if (cmd.kind === 'quarantine') {
    applyQuarantine(c, cmd.undo === true);
  } else if (cmd.kind === 'files' && cmd.file) {
    applyUpload(core, cmd.file, e);
  }
}

function applyQuarantine(c: SimComputer, undo: boolean): void {
  if (undo) {
    if (c.savedQuarantine) {
      c.quarantineStatus = c.savedQuarantine.status;
      c.quarantineCode = c.savedQuarantine.code;
      c.quarantineDesc = c.savedQuarantine.desc;
      delete c.savedQuarantine;
    }
    return;
  }
  if (!c.savedQuarantine)
    c.savedQuarantine = { status: c.quarantineStatus, code: c.quarantineCode, desc: c.quarantineDesc };
  c.quarantineStatus = 1;
  c.quarantineDesc = QUARANTINED_DESC;
}

function findPlanted(c: SimComputer, file: NonNullable<SimCommand['file']>): SimPlantedFile | undefined {
  const hashes = [file.sha256, file.sha1, file.md5].filter((h): h is string => !!h).map((h) => h.toLowerCase());
  return c.files.find(
    (f) =>
      f.path.toLowerCase() === file.path.toLowerCase() ||
      hashes.some((h) => h === f.sha256 || h === f.sha1 || h === f.md5),
  );
}

/** Upload: a planted file becomes a stored file (binaryFileId); a missing one ends in state 6 (ERROR). */
function applyUpload(core: SimCore, file: NonNullable<SimCommand['file']>, e: SimCommandEntry): void {
  const planted = findPlanted(e.computer, file);
  if (!planted) {
    e.forcedStateId = 6;
    e.forcedAt = Date.now();
    e.subStateId = 1;
    e.subStateDesc = 'File not found on the client.';
    return;
  }
  const content = planted.content ?? Buffer.from(`simulated content of ${planted.path}\n`, 'utf8');
  const id = newId();
  core.state.files.set(id, {
    id,
    hashName: planted.sha256.toUpperCase() || createHash('sha256').update(content).digest('hex').toUpperCase(),
    content,
    key: randomInt(1, 256),
  });
  e.binaryFileId = id;
}

/** Cancel: every non-terminal entry becomes 5 (CANCELED); returns the id of the new cancel command. */
export function cancelCommand(core: SimCore, cmd: SimCommand): string {
  const now = Date.now();
  for (const e of cmd.entries) {
    if (entryState(core, cmd, e, now) < 3) {
      e.forcedStateId = CANCELED;
      e.forcedAt = now;
    }
  }
  return createCommand(core, 'cancel', []).id;
}
