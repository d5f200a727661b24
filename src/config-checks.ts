import { compileProtection } from './enrich/containment/index.ts';
import { subjectRegex } from './mail/envelope-filter.ts';
import { validateSenderAuth } from './mail/sender-auth.ts';
import { AppError, ErrorCodes } from './shared/errors.ts';
import { compileWhitelist } from './whitelist/index.ts';
import type { Config } from './config/schema.ts';

/**
 * Checks that the schema cannot express: every whitelist entry, trusted relay, protected-asset pattern and
 * subject regex must compile. Run at start (main.ts) and by `check-config`, so a bad entry is reported once at
 * load (naming the entry) instead of failing every mail or every containment action later.
 *
 * It sits next to main.ts, not in config/: it calls each domain's own compiler (whitelist, sender-auth,
 * containment, envelope filter), and config/ is a leaf that those domains read their types from.
 */
export function checkConfigSemantics(config: Config): void {
  compileWhitelist(config.whitelist);
  validateSenderAuth(config.senderAuth);
  compileProtection(config.policy.protected);
  checkSubjectPatterns(config.mail.filter.subjectPatterns);
}

/** Every `/regex/flags` subject pattern must compile on the linear-time matcher (no backreferences, lookaround). */
function checkSubjectPatterns(patterns: string[]): void {
  patterns.forEach((p, i) => {
    try {
      subjectRegex(p);
    } catch (err) {
      throw new AppError(
        ErrorCodes.CONFIG_INVALID,
        `mail.filter.subjectPatterns[${i}] ${JSON.stringify(p)}: ${(err as Error).message} (regexes run on a ` +
          'linear-time matcher: no backreferences or lookaround)',
      );
    }
  });
}
