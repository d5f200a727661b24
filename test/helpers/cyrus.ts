import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { freePort, generateCerts, waitForPort, waitForPortClosed, type DovecotInstance } from './dovecot.ts';

/**
 * A private Cyrus IMAP 3.6 (Debian's cyrus-imapd) for integration tests, run from its unpacked .deb: Debian's
 * cyrus-imapd and dovecot-imapd conflict, so it is never installed (.ci/unpack-cyrus.sh puts it under
 * /var/cache/sepm-intake-test/cyrus, or SEPM_CYRUS_ROOT). Own imapd.conf/cyrus.conf, partition, config dir and
 * sasldb under a temp directory; loopback ports with TLS from a per-instance CA. The master starts as root and
 * drops to nobody (cyrus_user), which owns the instance's files. imapd.conf keeps Debian's stock choices that
 * matter to a client: standard namespace (personal folders under `INBOX.`), `.` separator, and no idled, so
 * IDLE only notices new mail every imapidlepoll (60 s).
 */
export interface CyrusInstance extends DovecotInstance {
  /** Creates a login (sasldb) with the shared password and its INBOX (`user.<name>`, as the admin). */
  addUser(user: string): Promise<void>;
}

const RUN_AS = 'nobody';
const RUN_UID = 65534;
const RUN_GID = 65534;

export function cyrusRoot(): string {
  return process.env.SEPM_CYRUS_ROOT ?? '/var/cache/sepm-intake-test/cyrus';
}

/** Unpacks Cyrus when missing (test setup runs as root on CI machines, like ensureDovecotInstalled). */
export function ensureCyrusUnpacked(): string {
  const root = cyrusRoot();
  if (!existsSync(join(root, 'usr/lib/cyrus/bin/master'))) {
    execFileSync('bash', [resolve(import.meta.dirname, '../../.ci/unpack-cyrus.sh'), root], { stdio: 'ignore' });
  }
  return root;
}

function cyrusEnv(root: string): NodeJS.ProcessEnv {
  const lib = `${root}/usr/lib/x86_64-linux-gnu:${root}/lib/x86_64-linux-gnu`;
  return {
    ...process.env,
    LD_LIBRARY_PATH: lib,
    // Plugins unpacked with it (when libsasl2-modules was missing) first, the system's after.
    SASL_PATH: `${root}/usr/lib/x86_64-linux-gnu/sasl2:/usr/lib/x86_64-linux-gnu/sasl2`,
  };
}

export async function startCyrus(): Promise<CyrusInstance> {
  const root = ensureCyrusUnpacked();
  const dir = mkdtempSync(join(tmpdir(), 'sepm-cyrus-'));
  chmodSync(dir, 0o755);
  for (const d of ['config', 'spool', 'run/socket', 'run/proc', 'run/lock'])
    mkdirSync(join(dir, d), { recursive: true });
  const [port, starttlsPort] = [await freePort(), await freePort()];
  const caFile = await generateCerts(dir);
  const password = randomBytes(8).toString('hex');
  const adminPassword = randomBytes(8).toString('hex');
  writeFileSync(join(dir, 'imapd.conf'), imapdConf(root, dir));
  writeFileSync(join(dir, 'cyrus.conf'), cyrusConf(root, dir, port, starttlsPort));
  const env = cyrusEnv(root);
  const saslpasswd = (user: string, pw: string): void => {
    execFileSync(`${root}/usr/sbin/saslpasswd2`, ['-p', '-c', '-f', join(dir, 'sasldb2'), user], { input: pw, env });
  };
  saslpasswd('cyrus', adminPassword);
  execFileSync('chown', ['-R', `${RUN_UID}:${RUN_GID}`, dir]);
  chownSync(dir, RUN_UID, RUN_GID);
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const args = ['-C', join(dir, 'imapd.conf'), '-M', join(dir, 'cyrus.conf'), '-p', join(dir, 'run/master.pid')];
    child = spawn(`${root}/usr/lib/cyrus/bin/master`, args, { stdio: 'ignore', env });
    await waitForPort(port, 15_000);
    await waitForPort(starttlsPort, 15_000);
  };
  const stopMaster = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((done) => c.once('exit', () => done()));
    // The master passes SIGTERM on to its imapd children and exits.
    c.kill('SIGTERM');
    await exited;
    await waitForPortClosed(port, 10_000);
  };
  const addUser = async (user: string): Promise<void> => {
    saslpasswd(user, password);
    const admin = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: true,
      auth: { user: 'cyrus', pass: adminPassword },
      tls: { ca: readFileSync(caFile) },
      logger: false,
    });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      await admin.mailboxCreate(`user.${user}`);
    } finally {
      await admin.logout().catch(() => admin.close());
    }
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
    addUser,
    kill: stopMaster,
    stop: async () => {
      await stopMaster();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stopMaster();
      await start();
    },
  };
}

function imapdConf(root: string, dir: string): string {
  return `configdirectory: ${dir}/config
defaultpartition: default
partition-default: ${dir}/spool
proc_path: ${dir}/run/proc
mboxname_lockpath: ${dir}/run/lock
idlesocket: ${dir}/run/socket/idle
lmtpsocket: ${dir}/run/socket/lmtp
notifysocket: ${dir}/run/socket/notify
service_path: ${root}/usr/lib/cyrus/bin
cyrus_user: ${RUN_AS}
cyrus_group: nogroup
admins: cyrus
# Debian's stock choices (/etc/imapd.conf of cyrus-common 3.6).
altnamespace: no
unixhierarchysep: no
hashimapspool: true
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: ${dir}/sasldb2
sasl_mech_list: PLAIN LOGIN
tls_server_cert: ${dir}/server.pem
tls_server_key: ${dir}/server.key
syslog_prefix: sepm-test-cyrus
`;
}

/** Commands are absolute and carry -C: the master neither resolves them by service_path nor passes its config on. */
function cyrusConf(root: string, dir: string, port: number, starttlsPort: number): string {
  const bin = (cmd: string, extra = ''): string =>
    `${root}/usr/lib/cyrus/bin/${cmd} -C ${dir}/imapd.conf${extra ? ` ${extra}` : ''}`;
  return `START {
  recover cmd="${bin('ctl_cyrusdb', '-r')}"
}
SERVICES {
  imap cmd="${bin('imapd')}" listen="127.0.0.1:${starttlsPort}" prefork=0 maxchild=100
  imaps cmd="${bin('imapd', '-s')}" listen="127.0.0.1:${port}" prefork=0 maxchild=100
}
EVENTS {
}
`;
}
