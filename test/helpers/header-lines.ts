import type { HeaderLine } from '../../src/mail/sender-auth.ts';

/** Splits a raw header block into header lines the way the MIME layer hands them over (folds kept). */
export function headers(raw: string): HeaderLine[] {
  const out: HeaderLine[] = [];
  for (const line of raw.replace(/^\n/, '').split('\n')) {
    if (line === '') continue;
    const last = out[out.length - 1];
    if (/^[ \t]/.test(line) && last) last.line += `\r\n${line}`;
    else out.push({ key: line.slice(0, line.indexOf(':')).toLowerCase(), line });
  }
  return out;
}
