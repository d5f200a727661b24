import type { ImapFlow } from 'imapflow';

/**
 * Makes sure the folders a source moves mail into exist. CREATE is answered `NO [ALREADYEXISTS]` by servers that
 * speak RFC 5530 (Dovecot; imapflow then returns created:false), but Cyrus 3.6 answers a plain
 * `NO Mailbox already exists`: on any NO the folder list decides — present means done, absent means the NO was real.
 */
export async function ensureFolders(client: ImapFlow, folders: readonly string[]): Promise<void> {
  let listed: Set<string> | undefined;
  for (const folder of folders) {
    try {
      await client.mailboxCreate(folder);
    } catch (err) {
      if (!isNoAnswer(err)) throw err;
      listed ??= new Set((await client.list()).map((m) => m.path));
      if (!listed.has(normalizeFolder(client, folder))) throw err;
    }
  }
}

/** The folder's full path as the server lists it (imapflow prefixes the personal namespace, e.g. Cyrus's `INBOX.`). */
export function normalizeFolder(client: Pick<ImapFlow, 'namespace'>, folder: string): string {
  if (folder.toUpperCase() === 'INBOX') return 'INBOX';
  const prefix = client.namespace?.prefix;
  return prefix && !folder.startsWith(prefix) ? prefix + folder : folder;
}

function isNoAnswer(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { responseStatus?: unknown }).responseStatus === 'NO';
}
