import { readFileSync } from 'node:fs';
import { hashPassword } from '../../http/auth/password.ts';
import { parseCommandArgs } from '../args.ts';

/**
 * `sepm-intake hash-password [--password-file FILE]`: prints `scrypt$N$r$p$salt$hash` for http.users[].passwordHash.
 * The password is read from the file or from stdin (first line), never from the command line, so it stays out of
 * shell history and the process list.
 */
export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { 'password-file': { type: 'string' } });
  const source = values['password-file'] ?? 0;
  const password = readFileSync(source, 'utf8').split(/\r?\n/)[0] ?? '';
  if (password.length < 8) {
    process.stderr.write('hash-password: the password must have at least 8 characters\n');
    return 2;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}
