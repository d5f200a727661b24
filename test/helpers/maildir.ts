import { randomBytes } from 'node:crypto';
import { chownSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DovecotInstance } from './dovecot.ts';

/** The uid/gid the test Dovecot delivers mail as (test/helpers/dovecot.ts). */
const MAIL_UID = 65534;
const MAIL_GID = 65534;

const LINKS_PER_FILLER = 60_000;

function writeFiller(d: DovecotInstance, user: string, uid: number, filler: Buffer): string {
  const path = join(d.dir, `${user}.filler-${uid}`);
  writeFileSync(path, filler);
  chownSync(path, MAIL_UID, MAIL_GID);
  return path;
}

export interface BigMaildir {
  uidValidity: number;
  /** UIDs 1..count were assigned. */
  count: number;
}

/**
 * Writes a user's INBOX as a Dovecot maildir directly — message files plus `dovecot-uidlist` with every UID
 * already assigned — so a mailbox of hundreds of thousands of messages takes seconds instead of an APPEND each.
 * Messages whose UID `unseen` returns a mail for are distinct files without the S flag; every other one is a hard
 * link to one `\Seen` filler message (maildir files are immutable, Dovecot links them itself on COPY).
 * File names carry `,S=<size>` so Dovecot need not stat each one. Call before the user first logs in.
 */
export function writeBigMaildir(
  d: DovecotInstance,
  user: string,
  count: number,
  unseen: (uid: number) => Buffer | undefined,
  filler: Buffer,
): BigMaildir {
  const root = join(d.dir, 'mail', user);
  for (const sub of ['', 'cur', 'new', 'tmp']) {
    mkdirSync(join(root, sub), { recursive: true });
    chownSync(join(root, sub), MAIL_UID, MAIL_GID);
  }
  const uidValidity = Math.floor(Date.now() / 1000);
  let fillerPath = '';
  const lines = [`3 V${uidValidity} N${count + 1} G${randomBytes(16).toString('hex')}`];
  for (let uid = 1; uid <= count; uid++) {
    const mail = unseen(uid);
    const base = `${uidValidity}.M${uid}P1.sepmtest,S=${mail ? mail.length : filler.length}`;
    const path = join(root, 'cur', `${base}:2,${mail ? '' : 'S'}`);
    if (mail) {
      writeFileSync(path, mail);
      chownSync(path, MAIL_UID, MAIL_GID);
    } else {
      // ext4 allows 65,000 links to one inode: a fresh filler file every LINKS_PER_FILLER messages.
      if (uid % LINKS_PER_FILLER === 1 || fillerPath === '') fillerPath = writeFiller(d, user, uid, filler);
      linkSync(fillerPath, path);
    }
    lines.push(`${uid} :${base}`);
  }
  const uidlist = join(root, 'dovecot-uidlist');
  writeFileSync(uidlist, `${lines.join('\n')}\n`);
  chownSync(uidlist, MAIL_UID, MAIL_GID);
  return { uidValidity, count };
}
