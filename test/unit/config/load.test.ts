import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { AppError } from '../../../src/shared/errors.ts';

const files = (map: Record<string, string>) => (p: string) => {
  const v = map[p];
  if (v === undefined) throw new Error('ENOENT');
  return v;
};

describe('loadConfig', () => {
  it('gives the documented embedded defaults with no file', () => {
    const c = loadConfig({ env: {} });
    expect(c.sepm.port).toBe(8446);
    expect(c.sepm.basePath).toBe('/sepm/api/v1');
    expect(c.sepm.resultsLimit).toBe(200);
    expect(c.sepm.scanTimeoutSec).toBe(1800);
    expect(c.soar.kind).toBe('embedded');
    expect(c.mail.spool.dir).toBe('var/inbox');
    expect(c.mail.filter.maxRawBytes).toBe(10 * 1024 * 1024);
  });

  it('reads YAML, lets env override, and resolves *_FILE secrets', () => {
    const c = loadConfig({
      file: 'c.yaml',
      env: { SEPM_INTAKE_SEPM_PASSWORD_FILE: '/run/secrets/sepm', SEPM_INTAKE_SEPM_PORT: '9446' },
      readText: files({
        'c.yaml': 'sepm:\n  host: sepm.example\n  username: api\n',
        '/run/secrets/sepm': 'p@ss"w0rd\n',
      }),
    });
    expect(c.sepm.host).toBe('sepm.example');
    expect(c.sepm.port).toBe(9446);
    expect(c.sepm.password).toBe('p@ss"w0rd');
  });

  it('resolves passwordFile keys inside the file', () => {
    const yaml =
      'mail:\n  imap:\n    - name: soc\n      host: imap.example\n      user: sepm\n      passwordFile: /s/imap\n';
    const c = loadConfig({ file: 'c.yaml', env: {}, readText: files({ 'c.yaml': yaml, '/s/imap': 'secret' }) });
    expect(c.mail.imap[0]?.password).toBe('secret');
  });

  it('names the offending key in errors', () => {
    const read = files({ 'c.yaml': 'sepm:\n  port: "x"\n  bogus: 1\n' });
    expect(() => loadConfig({ file: 'c.yaml', env: {}, readText: read })).toThrowError(/sepm\.port/);
    try {
      loadConfig({ file: 'c.yaml', env: {}, readText: read });
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('CONFIG_INVALID');
      expect((err as AppError).message).toMatch(/bogus/);
    }
  });

  it('reports an unreadable secret file with its key', () => {
    expect(() => loadConfig({ env: { SEPM_INTAKE_SEPM_PASSWORD_FILE: '/nope' }, readText: files({}) })).toThrowError(
      /SEPM_INTAKE_SEPM_PASSWORD_FILE/,
    );
  });
});
