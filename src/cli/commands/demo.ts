import { randomBytes } from 'node:crypto';
import { copyFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { hashPassword } from '../../http/auth/password.ts';
import { startService } from '../../main.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { parseCommandArgs } from '../args.ts';
import { startSepmSimulator, withDemoSepm } from '../demo.ts';
import { DEMO_BANNER, untilSignal } from './start.ts';

/**
 * `sepm-intake demo [--config FILE] [--no-fixtures]` (`npm run demo`): the whole service against the built-in SEPM
 * simulator (as `start --demo`), a demo user for the review UI, and the fixture mails dropped into the spool, so the
 * incidents fill with endpoint details, scan matches and remediation while you watch. The user is
 * SEPM_INTAKE_DEMO_USER (default `demo`, operator role) with SEPM_INTAKE_DEMO_PASSWORD, or a random password printed
 * once. Nothing is written to a configuration file.
 */

export const FIXTURE_DIR = fileURLToPath(new URL('../../../fixtures/emails/', import.meta.url));

export interface DemoUser {
  name: string;
  password: string;
  /** true when the password was made up here (then it is printed). */
  generated: boolean;
}

export function demoUser(env: NodeJS.ProcessEnv): DemoUser {
  const name = env['SEPM_INTAKE_DEMO_USER']?.trim() || 'demo';
  const given = env['SEPM_INTAKE_DEMO_PASSWORD'];
  if (given !== undefined && given.length < 8) {
    throw new AppError(ErrorCodes.CONFIG_INVALID, 'SEPM_INTAKE_DEMO_PASSWORD must have at least 8 characters');
  }
  return given
    ? { name, password: given, generated: false }
    : { name, password: randomBytes(12).toString('base64url'), generated: true };
}

/** The demo configuration: simulator SEPM with demo timing, plus the demo user (replacing one of the same name). */
export async function demoConfig(loaded: Config, user: DemoUser): Promise<Config> {
  const config = withDemoSepm(loaded);
  if (!config.mail.spool.enabled) {
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      'the demo drops mails into the spool: mail.spool.enabled must be true',
    );
  }
  const users = config.http.users.filter((u) => u.name !== user.name);
  users.push({ name: user.name, passwordHash: await hashPassword(user.password), role: 'operator' });
  return { ...config, http: { ...config.http, users } };
}

/** Copies every fixture mail into the spool (as a .part first, renamed: the spool never reads half a file). */
export function dropFixtures(spoolDir: string, from: string = FIXTURE_DIR): number {
  const names = readdirSync(from).filter((n) => n.endsWith('.eml'));
  for (const n of names) {
    const part = join(spoolDir, `${n}.part`);
    copyFileSync(join(from, n), part);
    renameSync(part, join(spoolDir, `demo-${n}`));
  }
  return names.length;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    config: { type: 'string', short: 'c' },
    'no-fixtures': { type: 'boolean' },
  });
  const user = demoUser(process.env);
  const config = await demoConfig(loadConfig({ file: values.config }), user);
  const logger = createLogger({ level: config.log.level });
  const service = await startService({ config, roles: ['all'], logger, sepmSimulator: startSepmSimulator });
  process.stdout.write(DEMO_BANNER);
  const dropped = values['no-fixtures'] || !service.spoolDir ? 0 : dropFixtures(service.spoolDir);
  const lines = [
    dropped ? `Dropped ${dropped} fixture mails into ${service.spoolDir}.` : 'No fixture mails dropped.',
    `Review UI: ${service.webUrl ?? '(web role off)'}/incidents`,
    `  user: ${user.name}`,
    user.generated
      ? `  password: ${user.password}   (random, shown only now; set SEPM_INTAKE_DEMO_PASSWORD to choose one)`
      : '  password: from SEPM_INTAKE_DEMO_PASSWORD',
    'Endpoint details appear within seconds; EOC scan matches within about two minutes (the demo scan timeout).',
    'Stop with Ctrl-C.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return untilSignal(service, logger, 30_000);
}
