import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../../../../src/shared/errors.ts';
import { buildTlsDispatcher } from '../../../../src/shared/http/tls-dispatcher.ts';

describe('buildTlsDispatcher', () => {
  it('names the config key of a PEM it cannot read', () => {
    let err: unknown;
    try {
      buildTlsDispatcher({ configKey: 'sepm', clientKey: '/nonexistent/key.pem' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCodes.CONFIG_FILE_UNREADABLE);
    expect((err as AppError).message).toContain('sepm.clientKey /nonexistent/key.pem');
  });

  it('builds an agent from readable files, with or without a proxy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
    const direct = buildTlsDispatcher({ configKey: 'soar.ibm', caBundle: ca, connections: 3 });
    const proxied = buildTlsDispatcher({ configKey: 'soar.ibm', caBundle: ca, proxy: 'http://127.0.0.1:3128' });
    await direct.close();
    await proxied.close();
  });
});
