import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactTypes } from '../../src/mail/types.ts';
import type { SoarClient } from '../../src/soar/port.ts';
import { registerChildTests } from './soar-contract-children.ts';
import { artifactKey, messageId, MINUTE, sampleIncident, WINDOW, type ContractContext } from './soar-contract-kit.ts';

export { sampleIncident } from './soar-contract-kit.ts';

/**
 * The SOAR port contract: every SoarClient adapter (embedded store, IBM adapter on the SOAR simulator) must pass it.
 *
 * Rules the suite relies on (the adapter's promise, not test convenience):
 * - `options.now` is the clock: merge-window decisions compare it with the `now` of the last create/merge of that
 *   incident (the adapter must remember that last-seen time itself, e.g. in a custom field).
 * - Message-ID dedup is per (Message-ID, dedup key): one outbreak mail yields several incidents with one Message-ID.
 * - Unknown incident, unknown table, unknown row → AppError SOAR_NOT_FOUND; unknown column or a cell of the wrong
 *   type (docs/reference/sep-functions.md §6 column types) → SOAR_BAD_REQUEST, as SOAR answers 400.
 * Every test uses fresh random dedup keys and Message-IDs, so `make` may hand out a shared backend.
 */
export type ContractFactory = () => Promise<{ client: SoarClient; cleanup: () => Promise<void> }>;

/** Registers the contract's describe/it blocks for one adapter. */
export function soarContractSuite(label: string, make: ContractFactory): void {
  describe(`SOAR contract: ${label}`, () => {
    const ctx = {} as ContractContext;
    let cleanup: () => Promise<void> = async () => {};
    beforeEach(async () => {
      ({ client: ctx.client, cleanup } = await make());
      ctx.base = Date.now();
    });
    afterEach(async () => {
      await cleanup();
    });
    registerIncidentTests(ctx);
    registerChildTests(ctx);
  });
}

function registerIncidentTests(ctx: ContractContext): void {
  let client: SoarClient;
  let base: number;
  beforeEach(() => {
    ({ client, base } = ctx);
  });

  describe('findOrCreateIncident', () => {
    it('creates an open incident with the mapped fields and artifacts', async () => {
      const input = sampleIncident();
      const mid = messageId();
      const res = await client.findOrCreateIncident(input, {
        sourceMessageId: mid,
        mergeWindowMs: WINDOW,
        now: base,
      });
      expect(res.outcome).toBe('created');
      const inc = res.incident;
      expect(inc.id).toBeGreaterThan(0);
      expect(inc).toMatchObject({
        dedupKey: input.dedupKey,
        name: input.name,
        state: 'open',
        severity: 'Low',
        occurrences: 1,
        discoveredDate: input.discoveredDate,
      });
      expect(inc.incidentTypes).toEqual(['Malware']);
      expect(inc.description).toContain('Trojan.Gen.NPE');
      expect(inc.properties.sepm_computer).toBe(input.properties.sepm_computer);
      expect(inc.properties.sepm_group).toBe('My Company\\TEST_GROUP_1');
      expect(res.addedArtifacts.map(artifactKey).sort()).toEqual(input.artifacts.map(artifactKey).sort());
      const again = await client.getIncident(inc.id);
      expect(again).toMatchObject({ id: inc.id, dedupKey: input.dedupKey, name: input.name, occurrences: 1 });
      const stored = await client.listArtifacts(inc.id);
      expect(stored.map(artifactKey).sort()).toEqual(input.artifacts.map(artifactKey).sort());
    });

    it('changes nothing when the same Message-ID is delivered again', async () => {
      const input = sampleIncident();
      const mid = messageId();
      const first = await client.findOrCreateIncident(input, {
        sourceMessageId: mid,
        mergeWindowMs: WINDOW,
        now: base,
      });
      const replay = await client.findOrCreateIncident(
        { ...input, artifacts: [...input.artifacts, { type: ArtifactTypes.ipAddress, value: '10.9.8.7' }] },
        { sourceMessageId: mid, mergeWindowMs: WINDOW, now: base + MINUTE },
      );
      expect(replay.outcome).toBe('duplicate');
      expect(replay.incident.id).toBe(first.incident.id);
      expect(replay.addedArtifacts).toEqual([]);
      const inc = await client.getIncident(first.incident.id);
      expect(inc.occurrences).toBe(1);
      expect(await client.listArtifacts(inc.id)).toHaveLength(input.artifacts.length);
      expect(await client.listNotes(inc.id)).toHaveLength(0);
    });

    it('treats one Message-ID with different dedup keys as different incidents (outbreak mail)', async () => {
      const mid = messageId();
      const a = await client.findOrCreateIncident(sampleIncident(), {
        sourceMessageId: mid,
        mergeWindowMs: WINDOW,
        now: base,
      });
      const b = await client.findOrCreateIncident(sampleIncident(), {
        sourceMessageId: mid,
        mergeWindowMs: WINDOW,
        now: base,
      });
      expect(a.outcome).toBe('created');
      expect(b.outcome).toBe('created');
      expect(b.incident.id).not.toBe(a.incident.id);
    });

    it('merges a repeat within the window: new artifacts, a note, occurrences + 1', async () => {
      const input = sampleIncident();
      const first = await client.findOrCreateIncident(input, {
        sourceMessageId: messageId(),
        mergeWindowMs: WINDOW,
        now: base,
      });
      const mid2 = messageId();
      const repeat = {
        ...input,
        properties: { ...input.properties, sepm_action: 'Left alone' },
        artifacts: [
          { type: ArtifactTypes.systemName, value: String(input.properties.sepm_computer).toLowerCase() },
          { type: ArtifactTypes.ipAddress, value: '192.168.194.94' },
        ],
      };
      const merged = await client.findOrCreateIncident(repeat, {
        sourceMessageId: mid2,
        mergeWindowMs: WINDOW,
        now: base + 10 * MINUTE,
      });
      expect(merged.outcome).toBe('merged');
      expect(merged.incident.id).toBe(first.incident.id);
      expect(merged.incident.occurrences).toBe(2);
      expect(merged.addedArtifacts.map(artifactKey)).toEqual([`${ArtifactTypes.ipAddress}|192.168.194.94`]);
      expect(await client.listArtifacts(first.incident.id)).toHaveLength(input.artifacts.length + 1);
      const notes = await client.listNotes(first.incident.id);
      expect(notes).toHaveLength(1);
      expect(notes[0]!.text).toContain(mid2);
      expect(notes[0]!.text).toContain('Left alone');
      expect((await client.getIncident(first.incident.id)).occurrences).toBe(2);
      // The window slides with each merge: 50 min after the merge is still inside it.
      const third = await client.findOrCreateIncident(input, {
        sourceMessageId: messageId(),
        mergeWindowMs: WINDOW,
        now: base + 60 * MINUTE,
      });
      expect(third.outcome).toBe('merged');
      expect(third.incident.occurrences).toBe(3);
    });

    it('merges a repeat without a Message-ID too', async () => {
      const input = sampleIncident();
      const first = await client.findOrCreateIncident(input, { mergeWindowMs: WINDOW, now: base });
      const second = await client.findOrCreateIncident(input, { mergeWindowMs: WINDOW, now: base + MINUTE });
      expect(second.outcome).toBe('merged');
      expect(second.incident.id).toBe(first.incident.id);
    });

    it('creates a new incident when the repeat comes after the window', async () => {
      const input = sampleIncident();
      const first = await client.findOrCreateIncident(input, {
        sourceMessageId: messageId(),
        mergeWindowMs: WINDOW,
        now: base,
      });
      const late = await client.findOrCreateIncident(input, {
        sourceMessageId: messageId(),
        mergeWindowMs: WINDOW,
        now: base + WINDOW + MINUTE,
      });
      expect(late.outcome).toBe('created');
      expect(late.incident.id).not.toBe(first.incident.id);
      expect(late.incident.occurrences).toBe(1);
      expect((await client.getIncident(first.incident.id)).occurrences).toBe(1);
    });

    it('creates a new incident when the earlier one was closed', async () => {
      const input = sampleIncident();
      const first = await client.findOrCreateIncident(input, {
        sourceMessageId: messageId(),
        mergeWindowMs: WINDOW,
        now: base,
      });
      const closed = await client.closeIncident(first.incident.id, 'Resolved', 'cleaned, verified by EOC scan');
      expect(closed.state).toBe('closed');
      expect(closed.resolutionSummary).toContain('verified by EOC scan');
      const next = await client.findOrCreateIncident(input, {
        sourceMessageId: messageId(),
        mergeWindowMs: WINDOW,
        now: base + MINUTE,
      });
      expect(next.outcome).toBe('created');
      expect(next.incident.id).not.toBe(first.incident.id);
      expect((await client.getIncident(first.incident.id)).state).toBe('closed');
    });
  });

  it('lists incidents filtered by state', async () => {
    const a = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW, now: base });
    const b = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW, now: base });
    await client.closeIncident(b.incident.id, 'Not an Issue', 'test');
    const open = (await client.listIncidents({ state: 'open', limit: 1000 })).map((i) => i.id);
    const closed = (await client.listIncidents({ state: 'closed', limit: 1000 })).map((i) => i.id);
    expect(open).toContain(a.incident.id);
    expect(open).not.toContain(b.incident.id);
    expect(closed).toContain(b.incident.id);
    expect(closed).not.toContain(a.incident.id);
  });
}
