import { AppError, ErrorCodes } from '../shared/errors.ts';
import type { Config } from './schema.ts';

/**
 * Rules of `sepm.mode` that a per-key schema cannot express. The demo (the built-in SEPM simulator) must be asked
 * for by name — `sepm.mode: simulator` or `sepm-intake start --demo` — and is never switched on by a missing key:
 * a typo in an environment variable name would otherwise write demo endpoint data into real incidents.
 */

export interface SepmModeCheck {
  /** True when this process talks to SEPM (the enrich role, and the web role for its /readyz probe). */
  needsSepm: boolean;
}

/** One problem per rule broken, each naming its key (the same shape as the schema's errors). */
export function sepmModeIssues(config: Config, check: SepmModeCheck): { path: string; message: string }[] {
  const { mode, host } = config.sepm;
  const issues: { path: string; message: string }[] = [];
  if (mode === 'simulator' && config.soar.kind === 'ibm') {
    issues.push({
      path: 'sepm.mode',
      message: 'simulator (demo data) is refused with soar.kind: ibm, a real SOAR; set sepm.mode: live and sepm.host',
    });
  }
  if (mode === 'simulator' && host) {
    issues.push({
      path: 'sepm.mode',
      message: `simulator ignores sepm.host (${host}); remove sepm.host for the demo or set sepm.mode: live`,
    });
  }
  if (mode === 'live' && !host && check.needsSepm) {
    issues.push({
      path: 'sepm.host',
      message:
        'required when sepm.mode is live (the default); for the demo run `sepm-intake start --demo` (npm start) ' +
        'or set sepm.mode: simulator',
    });
  }
  return issues;
}

/** Throws CONFIG_INVALID listing every broken sepm.mode rule. */
export function checkSepmMode(config: Config, check: SepmModeCheck): void {
  const issues = sepmModeIssues(config, check);
  if (issues.length === 0) return;
  const lines = issues.map((i) => `- ${i.path}: ${i.message}`).join('\n');
  throw new AppError(ErrorCodes.CONFIG_INVALID, `invalid configuration:\n${lines}`, { details: { issues } });
}
