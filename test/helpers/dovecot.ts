import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, chmodSync, chownSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { freePort, waitForPort, waitForPortClosed } from './net.ts';

export { freePort, startTcpProxy, waitForPort, waitForPortClosed, type TcpProxy } from './net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { generateTls } from '../../sim/shared/tls.ts';

/**
 * A private Dovecot IMAP server for integration tests: its own config, base/state dirs and maildirs under a temp
 * directory, listening on loopback ports with TLS (a CA generated per instance, so the tests verify certificates
 * like production does). Traps from the developers' guide handled here: login processes never run as root
 * (default_login_user = dovenull, default_internal_user = dovecot), mail belongs to a non-root uid allowed by
 * first_valid_uid, and the base/state dirs belong to this instance only.
 */
export interface DovecotInstance {
  host: string;
  /** Implicit-TLS port (IMAPS). */
  port: number;
  /** Plain port offering STARTTLS. */
  starttlsPort: number;
  /** PEM of the CA that signed the server certificate. */
  caFile: string;
  /** The password every user logs in with (static passdb: any user name gets its own maildir). */
  password: string;
  dir: string;
  restart(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const MAIL_UID = 65534;
const MAIL_GID = 65534;

/** Installs dovecot-imapd when missing (test setup runs as root on CI machines). */
export function ensureDovecotInstalled(): void {
  if (existsSync('/usr/sbin/dovecot')) return;
  execFileSync('apt-get', ['update'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', 'dovecot-imapd'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

export interface DovecotOptions {
  /**
   * Log in with OAuth2 (XOAUTH2 / OAUTHBEARER) instead of the static password: Dovecot's oauth2 passdb asks this
   * RFC 7662 introspection URL (POST token=…) whether a token is active and whose it is (test/helpers/fake-oauth.ts).
   */
  oauth2IntrospectionUrl?: string;
  /** Where the instance directory goes (default the OS temp dir; /dev/shm for mailboxes of many files). */
  baseDir?: string;
}

export async function startDovecot(options: DovecotOptions = {}): Promise<DovecotInstance> {
  ensureDovecotInstalled();
  const dir = mkdtempSync(join(options.baseDir ?? tmpdir(), 'sepm-dovecot-'));
  // Login processes (dovenull) and mail processes (uid 65534) must traverse the instance dir.
  chmodSync(dir, 0o755);
  for (const d of ['mail', 'state']) mkdirSync(join(dir, d), { recursive: true });
  chownSync(join(dir, 'mail'), MAIL_UID, MAIL_GID);
  const [port, starttlsPort] = [await freePort(), await freePort()];
  const caFile = await generateCerts(dir);
  const password = randomBytes(8).toString('hex');
  writeFileSync(join(dir, 'dovecot.conf'), dovecotConf(dir, port, starttlsPort, password, options));
  if (options.oauth2IntrospectionUrl) {
    writeFileSync(
      join(dir, 'oauth2.conf.ext'),
      [
        'introspection_mode = post',
        `introspection_url = ${options.oauth2IntrospectionUrl}`,
        'username_attribute = username',
        'active_attribute = active',
        'active_value = true',
        '',
      ].join('\n'),
    );
  }
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    child = spawn('/usr/sbin/dovecot', ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: 'ignore' });
    await waitForPort(port, 10_000);
    await waitForPort(starttlsPort, 10_000);
  };
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill(signal);
    await exited;
    // The master is gone; its login/imap children notice the closed master pipe and exit by themselves.
    await waitForPortClosed(port, 10_000);
  };
  await start();
  return {
    host: '127.0.0.1',
    port,
    starttlsPort,
    caFile,
    password,
    dir,
    start,
    stop: async () => {
      await stopWith('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => stopWith('SIGTERM'),
    restart: async () => {
      await stopWith('SIGTERM');
      await start();
    },
  };
}

function dovecotConf(dir: string, port: number, starttlsPort: number, password: string, o: DovecotOptions): string {
  // With OAuth2 the static password still logs the test side in (PLAIN/LOGIN); tokens go to the oauth2 passdb.
  const passdb = `auth_mechanisms = plain login${o.oauth2IntrospectionUrl ? ' xoauth2 oauthbearer' : ''}
passdb {
  driver = static
  args = password=${password}
  mechanisms = plain login
}${
    o.oauth2IntrospectionUrl
      ? `
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${dir}/oauth2.conf.ext
}`
      : ''
  }`;
  return `
instance_name = sepm-test-${port}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = ${MAIL_UID}
last_valid_uid = ${MAIL_UID}
mail_location = maildir:${dir}/mail/%u
# Test data: durability across power loss does not matter, speed does.
mail_fsync = never
# Dovecot batches IDLE notifications every 2 s by default; production servers differ, tests want them at once.
imap_idle_notify_interval = 0
ssl = yes
ssl_cert = <${dir}/server.pem
ssl_key = <${dir}/server.key
disable_plaintext_auth = yes
${passdb}
userdb {
  driver = static
  args = uid=${MAIL_UID} gid=${MAIL_GID} home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${starttlsPort}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${port}
    ssl = yes
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
`;
}

/** A CA plus a server certificate for 127.0.0.1/localhost signed by it (the simulators' generator); returns the CA file. */
export async function generateCerts(dir: string): Promise<string> {
  const tls = await generateTls();
  writeFileSync(join(dir, 'server.pem'), tls.cert);
  writeFileSync(join(dir, 'server.key'), tls.key, { mode: 0o600 });
  writeFileSync(join(dir, 'ca.pem'), tls.caPem);
  tls.cleanup();
  return join(dir, 'ca.pem');
}

export function readCa(inst: DovecotInstance): string {
  return readFileSync(inst.caFile, 'utf8');
}

/**
 * A Single Risk Event mail in the canonical SEPM layout, distinct per `i` (own Message-ID and computer, hence
 * its own incident). `padBytes` appends filler lines after the footer (size tests).
 */
export function makeAlertMail(i: number, opts: { tag?: string; padBytes?: number; from?: string } = {}): Buffer {
  const tag = opts.tag ?? 't';
  const host = `WS-${tag.toUpperCase()}-${String(i).padStart(5, '0')}`;
  const body = [
    'At least one security risk found:',
    '',
    'Risk name: Trojan.Gen.NPE',
    `File path: C:\\Users\\u${i}\\AppData\\Local\\Temp\\dropper_${i}.exe`,
    'Event time: Feb 28, 2019 3:40:12 AM',
    'Database insert time: Feb 28, 2019 3:45:30 AM',
    'Source: Real Time Scan',
    'Description:',
    `User: user${i}`,
    `Computer: ${host}`,
    `IP Address: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    'Domain: Default',
    'Server: SEPM-SERVER',
    'Client Group: My Company\\Workstations',
    'Action taken on risk: Cleaned by deletion',
    '',
    'This alarm was generated at Feb 28, 2019 3:50:21 AM (Reporter host Time).',
    '',
    ...(opts.padBytes ? ['', ...Array.from({ length: Math.ceil(opts.padBytes / 76) }, () => 'x'.repeat(76))] : []),
  ].join('\r\n');
  const headers = [
    `From: "Symantec Endpoint Protection Manager" <${opts.from ?? 'sepm@sepmdomain.com'}>`,
    'To: SOC Mailbox <soc@corp.example>',
    `Subject: Single Risk Event: machine ${host} infected with Trojan.Gen.NPE, action Cleaned by deletion`,
    'Date: Wed, 26 Jun 2024 07:05:03 -0700',
    `Message-ID: <alert-${tag}-${i}@sepm01.sepmdomain.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
  ].join('\r\n');
  return Buffer.from(`${headers}\r\n\r\n${body}\r\n`);
}

/** A connected client for test-side mailbox work (appending, checking flags). */
export async function imapFor(d: DovecotInstance, user: string): Promise<ImapFlow> {
  const c = new ImapFlow({
    host: d.host,
    port: d.port,
    secure: true,
    auth: { user, pass: d.password },
    tls: { ca: readFileSync(d.caFile) },
    logger: false,
  });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** Appends mails to a mailbox (creates it when missing); big batches go over 4 connections in parallel. */
export async function appendMails(d: DovecotInstance, user: string, mails: Buffer[], mailbox = 'INBOX'): Promise<void> {
  const lanes = mails.length >= 40 ? 4 : 1;
  const clients = await Promise.all(Array.from({ length: lanes }, () => imapFor(d, user)));
  try {
    if (mailbox !== 'INBOX') await clients[0]!.mailboxCreate(mailbox);
    let next = 0;
    await Promise.all(
      clients.map(async (c) => {
        while (next < mails.length) await c.append(mailbox, mails[next++]!);
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.logout().catch(() => c.close())));
  }
}

/** UIDs of messages without \Seen, and the message count, of a mailbox. */
export async function mailboxState(
  d: DovecotInstance,
  user: string,
  mailbox = 'INBOX',
): Promise<{ exists: number; unseen: number[] }> {
  const c = await imapFor(d, user);
  try {
    const st = await c.status(mailbox, { messages: true });
    if (!st) return { exists: 0, unseen: [] };
    await c.mailboxOpen(mailbox, { readOnly: true });
    const unseen = await c.search({ seen: false }, { uid: true });
    return { exists: st.messages ?? 0, unseen: Array.isArray(unseen) ? unseen : [] };
  } finally {
    await c.logout().catch(() => c.close());
  }
}

/** Polls `check` until it returns true or the timeout passes (then throws with `what`). */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function testUser(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/** An `mail.imap[]` entry for a user of the test instance (implicit TLS, CA verified). */
export function imapSourceFor(
  d: DovecotInstance,
  name: string,
  user: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    host: d.host,
    port: d.port,
    secure: true,
    user,
    password: d.password,
    caBundle: d.caFile,
    idleRefreshSec: 5,
    ...extra,
  };
}
