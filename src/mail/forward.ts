/**
 * Inline forwards (pure): a person forwarded an alert in the body ("---------- Forwarded message ----------",
 * "-----Original Message-----", "Begin forwarded message:", Outlook's "De :/From:" header block). Returns the
 * inner subject and body, or undefined when the text is not a forward.
 */

const MARKER =
  /^[ >]*(?:-{2,}\s*(?:forwarded message|original message|message transféré|message d'origine|message d’origine)\s*-{2,}|begin forwarded message:)\s*$/im;
const HEADER = /^[ >]*(from|de|sent|envoyé|date|to|à|cc|subject|objet)\s*:\s*(.*)$/i;

export interface InlineForward {
  subject: string;
  body: string;
}

export function splitInlineForward(text: string): InlineForward | undefined {
  const m = MARKER.exec(text);
  if (!m) return undefined;
  const lines = text
    .slice(m.index + m[0].length)
    .replace(/\r\n?/g, '\n')
    .split('\n');
  let subject = '';
  let i = 0;
  while (i < lines.length && (lines[i] as string).trim() === '') i++;
  for (; i < lines.length; i++) {
    const h = HEADER.exec(lines[i] as string);
    if (!h) break;
    const name = (h[1] as string).toLowerCase();
    if (name === 'subject' || name === 'objet') subject = (h[2] as string).trim();
  }
  const body = lines
    .slice(i)
    .map((l) => l.replace(/^> ?/, ''))
    .join('\n')
    .replace(/^\n+/, '');
  return { subject, body };
}
