import type { QueryResult, QueryResultRow } from 'pg';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../../../../src/shared/errors.ts';
import type { PgClient, PgPool } from '../../../../src/soar/postgres/connection.ts';
import { postgresStoreOn } from '../../../../src/soar/postgres/store.ts';
import { SepTables } from '../../../../src/soar/sep-tables.ts';

/**
 * The PostgreSQL store's own decisions, on a stand-in pool that finds nothing (or fails): ids no column can hold,
 * unknown tables and columns, oversized attachments are answered before any SQL; a missing incident is
 * SOAR_NOT_FOUND; a failing statement rolls the transaction back, releases the connection and is STORE_IO.
 * The SQL itself runs against PostgreSQL in test/integration/soar-postgres*.test.ts.
 */
function fakePool(fail?: (sql: string) => boolean) {
  const log: string[] = [];
  let released = 0;
  let ended = 0;
  const query = async <R extends QueryResultRow>(text: string): Promise<QueryResult<R>> => {
    log.push(text.trim().split(/\s+/).slice(0, 2).join(' '));
    if (fail?.(text)) throw Object.assign(new Error('boom'), { code: '57P01' });
    return { rows: [], rowCount: 0, command: '', oid: 0, fields: [] };
  };
  const client: PgClient = { query, release: () => void released++ };
  const pool: PgPool = { query, connect: async () => client, end: async () => void ended++ };
  return { pool, log, released: () => released, ended: () => ended };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );
}

describe('PostgreSQL store decisions (stand-in pool)', () => {
  it('answers SOAR_NOT_FOUND for a missing incident on every call, and for ids no column holds without SQL', async () => {
    const f = fakePool();
    const s = postgresStoreOn(f.pool);
    const NF = ErrorCodes.SOAR_NOT_FOUND;
    expect(await codeOf(s.getIncident(5))).toBe(NF);
    expect(await codeOf(s.getIncidentDetail(5))).toBe(NF);
    expect(await codeOf(s.closeIncident(5, 'Resolved', 'x'))).toBe(NF);
    expect(await codeOf(s.addArtifacts(5, []))).toBe(NF);
    expect(await codeOf(s.listArtifacts(5))).toBe(NF);
    expect(await codeOf(s.addNote(5, 'x'))).toBe(NF);
    expect(await codeOf(s.listNotes(5))).toBe(NF);
    expect(await codeOf(s.addTableRow(5, SepTables.groups, { group_name: 'g' }))).toBe(NF);
    expect(await codeOf(s.updateTableRow(5, SepTables.groups, 1, { group_name: 'g' }))).toBe(NF);
    expect(await codeOf(s.listTableRows(5, SepTables.groups))).toBe(NF);
    expect(await codeOf(s.deleteTableRow(5, SepTables.groups, 1))).toBe(NF);
    expect(await codeOf(s.addAttachment(5, 'a.csv', 'text/csv', Buffer.from('x')))).toBe(NF);
    expect(await codeOf(s.listAttachments(5))).toBe(NF);
    expect(await codeOf(s.getAttachment(5, 1))).toBe(NF);
    // Every write's transaction was rolled back and its connection released.
    expect(f.log.filter((l) => l === 'ROLLBACK').length).toBe(f.log.filter((l) => l === 'BEGIN').length);
    expect(f.released()).toBe(f.log.filter((l) => l === 'BEGIN').length);
    const before = f.log.length;
    for (const id of [0, -1, 1.5, 2 ** 31, Number.MAX_SAFE_INTEGER + 2])
      expect(await codeOf(s.getIncident(id))).toBe(NF);
    expect(f.log.length).toBe(before);
  });

  it('refuses unknown tables, unknown columns, wrong types and oversized attachments', async () => {
    const s = postgresStoreOn(fakePool().pool, { maxAttachmentBytes: 10 });
    expect(await codeOf(s.listTableRows(1, 'no_such_table'))).toBe(ErrorCodes.SOAR_NOT_FOUND);
    expect(await codeOf(s.addTableRow(1, SepTables.groups, { nope: 'x' }))).toBe(ErrorCodes.SOAR_BAD_REQUEST);
    expect(await codeOf(s.addTableRow(1, SepTables.statusSummary, { total: 'many' }))).toBe(
      ErrorCodes.SOAR_BAD_REQUEST,
    );
    const big = await s.addAttachment(1, 'big.bin', '', Buffer.alloc(11)).catch((e: unknown) => e);
    expect(big).toMatchObject({ code: ErrorCodes.SOAR_BAD_REQUEST, status: 413 });
  });

  it('a failing statement is a retryable STORE_IO after ROLLBACK; close ends the pool once', async () => {
    const f = fakePool((sql) => sql.includes('INSERT INTO notes'));
    const s = postgresStoreOn({ ...f.pool, query: fakePool().pool.query });
    expect(await codeOf(s.ping())).toBeUndefined();
    const failing = postgresStoreOn(f.pool);
    const err = await failing
      .findOrCreateIncident(
        {
          dedupKey: 'k',
          name: 'n',
          description: 'd',
          descriptionFormat: 'text',
          discoveredDate: 0,
          severity: 'Low',
          incidentTypes: [],
          properties: {},
          artifacts: [],
        },
        { mergeWindowMs: 0, sourceMessageId: '<m@x>' },
      )
      .catch((e: unknown) => e);
    // The stand-in finds no message and inserts no incident row (no RETURNING row): the store fails, rolled back.
    expect(err).toBeInstanceOf(AppError);
    expect(f.log).toContain('ROLLBACK');
    expect(f.released()).toBe(1);
    const down = postgresStoreOn(fakePool(() => true).pool);
    const e = (await down.ping().catch((x: unknown) => x)) as AppError;
    expect(e).toMatchObject({ code: ErrorCodes.STORE_IO, retryable: true });
    await failing.close();
    await failing.close();
    expect(f.ended()).toBe(1);
  });
});
