import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../../../src/cli/commands/hash-password.ts';
import { verifyPassword } from '../../../../src/http/auth/password.ts';

describe('sepm-intake hash-password', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints a scrypt hash of the first line of the password file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hp-')), 'pw');
    writeFileSync(file, 'a long passphrase\nsecond line ignored\n');
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    expect(await run(['--password-file', file])).toBe(0);
    const hash = out.join('').trim();
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('a long passphrase', hash)).toBe(true);
  });

  it('refuses passwords shorter than 8 characters', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hp-')), 'pw');
    writeFileSync(file, 'short\n');
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
    expect(await run(['--password-file', file])).toBe(2);
    expect(err.join('')).toMatch(/at least 8/);
  });
});
