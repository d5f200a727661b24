import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { postgresSettings } from '../../../src/soar/postgres/store.ts';

const files = (map: Record<string, string>) => (p: string) => {
  const v = map[p];
  if (v === undefined) throw new Error('ENOENT');
  return v;
};
const URL_ = 'postgres://intake:pg-s3cret@db.internal:5432/soc?sslmode=verify-full';

describe('soar.postgres config', () => {
  it('takes the URL from SEPM_INTAKE_SOAR_POSTGRES_URL_FILE, with defaults for schema and pool', () => {
    const c = loadConfig({
      env: { SEPM_INTAKE_SOAR_KIND: 'postgres', SEPM_INTAKE_SOAR_POSTGRES_URL_FILE: '/run/secrets/pg' },
      readText: files({ '/run/secrets/pg': `${URL_}\n` }),
    });
    expect(c.soar.kind).toBe('postgres');
    expect(c.soar.postgres).toMatchObject({ url: URL_, schema: 'public', poolSize: 10 });
    expect(postgresSettings(c.soar.postgres).url).toBe(URL_);
  });

  it('takes urlFile in the config file; refuses a missing URL and a bad schema name', () => {
    const yaml = 'soar:\n  kind: postgres\n  postgres:\n    urlFile: /s/pg\n    schema: sepm_intake\n';
    const c = loadConfig({ file: 'c.yaml', env: {}, readText: files({ 'c.yaml': yaml, '/s/pg': URL_ }) });
    expect(c.soar.postgres?.url).toBe(URL_);
    expect(c.soar.postgres?.schema).toBe('sepm_intake');
    expect(() => postgresSettings(undefined)).toThrowError(/soar.postgres.url is not set/);
    const bad = 'soar:\n  postgres:\n    url: postgres://x@127.0.0.1/db\n    schema: "a; DROP"\n';
    expect(() => loadConfig({ file: 'c.yaml', env: {}, readText: files({ 'c.yaml': bad }) })).toThrowError(
      /soar.postgres.schema/,
    );
  });

  it('never logs the URL (it carries the password)', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const c = loadConfig({ env: { SEPM_INTAKE_SOAR_POSTGRES_URL: URL_ } });
    createLogger({ destination: sink }).info({ soar: c.soar }, 'config');
    expect(out).toContain('[redacted]');
    expect(out).not.toContain('pg-s3cret');
  });
});
