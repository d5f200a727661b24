import { compileProtection } from '../enrich/containment/index.ts';
import { validateSenderAuth } from '../mail/sender-auth.ts';
import { compileWhitelist } from '../whitelist/index.ts';
import type { Config } from './schema.ts';

/**
 * Checks that the schema cannot express: every whitelist entry, trusted relay and protected-asset pattern must
 * compile. Run at start and by `check-config`, so a bad entry is reported once at load (naming the entry) instead
 * of failing every mail or every containment action later.
 */
export function checkConfigSemantics(config: Config): void {
  compileWhitelist(config.whitelist);
  validateSenderAuth(config.senderAuth);
  compileProtection(config.policy.protected);
}
