import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../../../../src/shared/errors.ts';
import {
  isTransientPgError,
  poolConfig,
  postgresSettings,
  redactPgUrl,
  toStoreError,
} from '../../../../src/soar/postgres/connection.ts';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../../../../src/soar/postgres/migrations.ts';
import { toIncident, toTableRow } from '../../../../src/soar/postgres/rows.ts';
import { toArtifact } from '../../../../src/soar/store-common.ts';

const base = { url: 'postgres://u:p@127.0.0.1/x', schema: 'public', poolSize: 3, connectTimeoutMs: 1000 };
const code = (url: string) => {
  try {
    poolConfig({ ...base, url });
    return 'ok';
  } catch (e) {
    return (e as AppError).code;
  }
};

describe('postgres connection policy (pure)', () => {
  it('keeps TLS verification on: no-verify/prefer refused, plain TCP only to loopback', () => {
    expect(code('postgres://u:p@db.example.com/x?sslmode=no-verify')).toBe(ErrorCodes.CONFIG_INVALID);
    expect(code('postgres://u:p@db.example.com/x?sslmode=prefer')).toBe(ErrorCodes.CONFIG_INVALID);
    expect(code('postgres://u:p@db.example.com/x')).toBe(ErrorCodes.CONFIG_INVALID);
    expect(code('mysql://u:p@127.0.0.1/x')).toBe(ErrorCodes.CONFIG_INVALID);
    expect(code('not a url')).toBe(ErrorCodes.CONFIG_INVALID);
    expect(code('postgres://u:p@127.0.0.1/x')).toBe('ok');
    expect(code('postgresql://u:p@[::1]/x?sslmode=disable')).toBe('ok');
    const cfg = poolConfig({ ...base, url: 'postgres://u:p@db.example.com/x?sslmode=verify-full&sslrootcert=/x' });
    expect(cfg.ssl).toEqual({ rejectUnauthorized: true });
    // pg lets URL parameters override `ssl`: they are removed so the verified settings hold.
    expect(cfg.connectionString).not.toMatch(/ssl/);
    expect(cfg).toMatchObject({ max: 3, connectionTimeoutMillis: 1000, options: '-c search_path=public' });
  });

  it('reads a CA bundle (unreadable: CONFIG_INVALID) and never prints the password', () => {
    expect(() => poolConfig({ ...base, caBundle: '/nonexistent/ca.pem' })).toThrowError(/caBundle/);
    expect(redactPgUrl('postgres://u:s3cret@h/x')).not.toContain('s3cret');
    expect(redactPgUrl('::')).toBe('[unparseable url]');
    try {
      poolConfig({ ...base, url: 'postgres://u:s3cret@db.example.com/x?sslmode=allow' });
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cret');
    }
  });

  it('settings need a URL', () => {
    expect(() => postgresSettings(undefined)).toThrowError(/soar.postgres.url/);
    const s = postgresSettings({ url: base.url, schema: 's', poolSize: 2, connectTimeoutMs: 500 });
    expect(s).toMatchObject({ url: base.url, schema: 's', poolSize: 2 });
  });

  it('maps driver errors to STORE_IO, retryable only when the failure can clear by itself', () => {
    expect(isTransientPgError({ code: '40001' })).toBe(true); // serialization failure
    expect(isTransientPgError({ code: '40P01' })).toBe(true); // deadlock
    expect(isTransientPgError({ code: '57P01' })).toBe(true); // admin shutdown
    expect(isTransientPgError({ code: '08006' })).toBe(true);
    expect(isTransientPgError({ code: 'ECONNREFUSED' })).toBe(true);
    expect(isTransientPgError({ code: '23505' })).toBe(false); // unique violation
    expect(isTransientPgError({ code: '42P01' })).toBe(false);
    expect(isTransientPgError(new Error('x'))).toBe(false);
    const e = toStoreError(Object.assign(new Error('duplicate key'), { code: '23505' }));
    expect(e).toMatchObject({ code: ErrorCodes.STORE_IO, retryable: false, details: { sqlstate: '23505' } });
    expect(toStoreError(new Error('Connection terminated unexpectedly')).retryable).toBe(true);
    const app = new AppError(ErrorCodes.SOAR_NOT_FOUND, 'x');
    expect(toStoreError(app)).toBe(app);
  });

  it('numbers migrations from 1 without gaps; rows map to the port objects', () => {
    expect(PG_MIGRATIONS.map((m) => m.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
    expect(PG_SCHEMA_VERSION).toBe(PG_MIGRATIONS.length);
    const inc = toIncident({
      id: 1,
      dedup_key: 'k',
      name: 'n',
      description: 'd',
      state: 'open',
      severity: 'High',
      incident_types: ['Malware'],
      discovered_date: 1,
      created_at: 2,
      updated_at: 3,
      last_seen: 4,
      occurrences: 2,
      properties: { sepm_computer: 'WS-1' },
      resolution: null,
      resolution_summary: null,
    });
    expect(inc).toMatchObject({ id: 1, dedupKey: 'k', lastSeen: 4, occurrences: 2, incidentTypes: ['Malware'] });
    expect(toArtifact({ id: 1, type: 'IP Address', value: '10.0.0.1', description: null })).toEqual({
      id: 1,
      type: 'IP Address',
      value: '10.0.0.1',
    });
    expect(toTableRow({ id: 2, table_name: 't', cells: { a: 1 } })).toEqual({ id: 2, cells: { a: 1 } });
  });
});
