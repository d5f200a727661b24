/**
 * SEPM action codes (DB ALERTS.ACTUALACTION) ⇄ canonical action names, with the wording variants seen in syslog
 * and older releases. Pure lookup tables.
 */
export const ACTION_CODES: Readonly<Record<number, string>> = {
  1: 'Quarantined',
  2: 'Renamed',
  3: 'Deleted',
  4: 'Left alone',
  5: 'Cleaned',
  6: 'Cleaned or macros deleted',
  7: 'Saved',
  9: 'Moved back',
  10: 'Renamed back',
  11: 'Undone',
  12: 'Bad',
  13: 'Backed up',
  14: 'Pending repair',
  15: 'Partially repaired',
  16: 'Process termination pending restart',
  17: 'Excluded',
  18: 'Restart processing',
  19: 'Cleaned by deletion',
  20: 'Access denied',
  21: 'Process terminated',
  22: 'No repair available',
  23: 'All actions failed',
  24: 'RepairFailedPowerEraser',
  25: 'RepairFailedPowerEraser2',
  98: 'Suspicious',
  99: 'Details pending',
  100: 'IDS block',
  101: 'Firewall violation',
  102: 'Allowed by user',
  110: 'Detected by using the commercial application list',
  111: 'Forced detection by using the file name',
  200: 'Attachment stripped',
  500: 'Not applicable',
  1000: 'Forced detection by using the file hash',
  [-1]: 'Action invalid',
};

/** Other spellings of the same actions (lower-case key → code). */
const ALIASES: Readonly<Record<string, number>> = {
  'process terminate pending restart': 16,
  'forced detection using file name': 111,
  'forced detection using file hash': 1000,
  'detected using the commercial application list': 110,
  'detected using commercial application list': 110,
  'clean by deletion': 19,
  quarantine: 1,
  delete: 3,
  'leave alone': 4,
  clean: 5,
  // French values as seen in localised SEPM consoles (unverified for mail).
  'mis en quarantaine': 1,
  supprimé: 3,
  ignoré: 4,
  nettoyé: 5,
  'nettoyé par suppression': 19,
};

const BY_NAME = new Map<string, number>();
for (const [code, name] of Object.entries(ACTION_CODES)) BY_NAME.set(name.toLowerCase(), Number(code));
for (const [name, code] of Object.entries(ALIASES)) BY_NAME.set(name, code);

export interface ResolvedAction {
  action: string;
  actionCode?: number;
}

/** Maps action text or a numeric code to the canonical name + code; unknown text is kept as written. */
export function resolveAction(raw: string): ResolvedAction | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^-?\d+$/.test(text)) {
    const code = Number(text);
    const name = ACTION_CODES[code];
    return name ? { action: name, actionCode: code } : { action: text };
  }
  const code = BY_NAME.get(text.toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, ''));
  if (code === undefined) return { action: text };
  return { action: ACTION_CODES[code] as string, actionCode: code };
}
