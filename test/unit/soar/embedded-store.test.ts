import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openEmbeddedStore } from '../../../src/soar/embedded-store.ts';
import { soarContractSuite } from '../../helpers/soar-contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'sepm-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

soarContractSuite('embedded store (temp file)', async () => {
  const path = join(dir, `contract-${++n}.db`);
  const client = openEmbeddedStore(path);
  return { client, cleanup: () => client.close() };
});
