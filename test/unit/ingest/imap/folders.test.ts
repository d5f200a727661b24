import type { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { ensureFolders, normalizeFolder } from '../../../../src/ingest/imap/folders.ts';

/** A CREATE that fails like imapflow reports a tagged NO: message "Command failed", the server's text beside it. */
function noAnswer(text: string): Error {
  return Object.assign(new Error('Command failed'), { responseStatus: 'NO', responseText: text });
}

function fakeClient(existing: string[], prefix = 'INBOX.'): { client: ImapFlow; calls: string[] } {
  const calls: string[] = [];
  const fake = {
    namespace: { prefix, delimiter: '.' },
    mailboxCreate: async (path: string) => {
      calls.push(`CREATE ${path}`);
      const full = prefix + path;
      if (existing.includes(full)) throw noAnswer('Mailbox already exists');
      if (path.includes('%')) throw noAnswer('Invalid mailbox name');
      existing.push(full);
      return { path: full, created: true };
    },
    list: async () => {
      calls.push('LIST');
      return existing.map((path) => ({ path }));
    },
  };
  return { client: fake as unknown as ImapFlow, calls };
}

describe('ensureFolders', () => {
  it('accepts a NO without [ALREADYEXISTS] when the folder list shows the folder (Cyrus 3.6)', async () => {
    const { client, calls } = fakeClient(['INBOX', 'INBOX.quarantine', 'INBOX.processed']);
    await expect(ensureFolders(client, ['quarantine', 'processed', 'ignored'])).resolves.toBeUndefined();
    // One LIST for the whole set, however many CREATEs were refused.
    expect(calls).toEqual(['CREATE quarantine', 'LIST', 'CREATE processed', 'CREATE ignored']);
  });

  it('rethrows the NO when the folder is not there after all', async () => {
    const { client } = fakeClient(['INBOX']);
    await expect(ensureFolders(client, ['bad%name'])).rejects.toMatchObject({
      responseStatus: 'NO',
      responseText: 'Invalid mailbox name',
    });
  });

  it('passes other failures (a dropped connection) straight on', async () => {
    const { client } = fakeClient(['INBOX']);
    client.mailboxCreate = async () => {
      throw Object.assign(new Error('Connection not available'), { code: 'NoConnection' });
    };
    await expect(ensureFolders(client, ['quarantine'])).rejects.toThrow('Connection not available');
  });

  it('compares against the path the server lists, namespace prefix included', () => {
    expect(normalizeFolder({ namespace: { prefix: 'INBOX.', delimiter: '.' } }, 'q')).toBe('INBOX.q');
    expect(normalizeFolder({ namespace: { prefix: 'INBOX.', delimiter: '.' } }, 'INBOX.q')).toBe('INBOX.q');
    expect(normalizeFolder({ namespace: { prefix: '', delimiter: '/' } }, 'q')).toBe('q');
    expect(normalizeFolder({ namespace: undefined }, 'inbox')).toBe('INBOX');
  });
});
