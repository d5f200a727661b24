import { loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { ROLES, startService, type Role, type RunningService } from '../../main.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';
import { parseCommandArgs } from '../args.ts';
import { startSepmSimulator, withDemoSepm } from '../demo.ts';

/**
 * `sepm-intake start [--demo] [--config FILE] [--role watcher|worker|enrich|web|all]…`: runs the service until
 * SIGTERM/SIGINT. Without a config file it runs on embedded defaults (spool ./var/inbox, embedded store, local
 * Redis); the SEPM is live (`sepm.host` required by the enrich and web roles) unless `--demo` (what `npm start`
 * passes) or `sepm.mode: simulator` asks for the built-in simulator by name.
 */
export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    config: { type: 'string', short: 'c' },
    role: { type: 'string', short: 'r', multiple: true },
    'shutdown-deadline': { type: 'string' },
    demo: { type: 'boolean' },
  });
  const roles = parseRoles(values.role ?? ['all']);
  const loaded = loadConfig({ file: values.config });
  const config = values.demo ? withDemoSepm(loaded) : loaded;
  const deadlineMs = Number(values['shutdown-deadline'] ?? 30) * 1000;
  const logger = createLogger({ level: config.log.level });
  const service = await startService({ config, roles, logger, sepmSimulator: startSepmSimulator });
  if (config.sepm.mode === 'simulator') process.stdout.write(DEMO_BANNER);
  process.stdout.write(
    banner(
      roles,
      service.spoolDir,
      config.soar.kind,
      config.mail.imap.map((s) => s.name),
    ),
  );
  if (service.webUrl) process.stdout.write(webBanner(service.webUrl, config));
  return untilSignal(service, logger, deadlineMs);
}

/** Runs until SIGTERM/SIGINT, then stops the service within `deadlineMs`; a second signal exits at once. */
export function untilSignal(service: RunningService, logger: Logger, deadlineMs: number): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`second ${signal}: exiting without waiting\n`);
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal, deadlineMs }, 'shutting down: no new mail, finishing running jobs');
      service.stop(deadlineMs).then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

export function parseRoles(values: string[]): Role[] {
  const roles = values
    .flatMap((v) => v.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r)) {
      throw new AppError(ErrorCodes.CONFIG_INVALID, `unknown role '${r}' (use ${ROLES.join(', ')})`);
    }
  }
  return roles.length > 0 ? (roles as Role[]) : ['all'];
}

export const DEMO_BANNER =
  'DEMO: sepm.mode is simulator - SEPM is the built-in simulator on loopback and endpoint data in incidents is\n' +
  '  made up. For a real SEPM set sepm.host (sepm.mode: live) and run without --demo.\n';

function webBanner(url: string, config: Config): string {
  const lines = [`Queue dashboard: ${url}/admin/queues   review UI: ${url}/incidents   health: ${url}/healthz`];
  if (config.http.users.length === 0 && config.http.tokens.length === 0) {
    lines.push('  No http.users or http.tokens configured: every request except /healthz is refused.');
    lines.push(
      '  Add a user: echo "<password>" | npx sepm-intake hash-password, then set http.users in a config file.',
    );
  }
  return `${lines.join('\n')}\n`;
}

function banner(roles: Role[], spoolDir: string | undefined, soarKind: string, imap: string[]): string {
  const lines = [`sepm-intake is running (roles: ${roles.join(', ')}; incidents: ${soarKind} store).`];
  if (imap.length > 0) lines.push(`Watching IMAP sources: ${imap.join(', ')}.`);
  if (spoolDir) {
    lines.push(`Drop SEPM alert mails (.eml files) into ${spoolDir}`);
    lines.push(`  they move to ${spoolDir}/processed once queued, or to ${spoolDir}/failed with a .reason file.`);
  }
  if (soarKind !== 'ibm') lines.push('See incidents with: npx sepm-intake incidents list');
  lines.push('Stop with Ctrl-C (SIGINT) or SIGTERM: running jobs get time to finish.');
  return `${lines.join('\n')}\n`;
}
