/**
 * Body text normalisation (pure): HTML entity decoding, tag stripping, line-ending / NBSP / TAB / trailing-space
 * normalisation. SEPM mixes all of these (see docs/reference/sepm-notifications.md §6 Body format).
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  eacute: 'é',
  egrave: 'è',
  agrave: 'à',
  ccedil: 'ç',
  ecirc: 'ê',
  ocirc: 'ô',
  ucirc: 'û',
  rsquo: '’',
  lsquo: '‘',
  ldquo: '“',
  rdquo: '”',
  hellip: '…',
  ndash: '–',
  mdash: '—',
  copy: '©',
  reg: '®',
};

const ENTITY = /&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi;

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const SPACE_LIKE = /[\u00a0\u202f\u2007]/;
const SPACE_LIKE_ALL = /[\u00a0\u202f\u2007]/g;

const HTML_HINT =
  /<(?:br|p|div|a|table|tr|td|th|span|html|body|font|b|i|strong|ul|li|pre|head)\b[^<>]*>|<\/[a-z][a-z0-9]*\s*>/i;

export function looksLikeHtml(s: string): boolean {
  return s.includes('<') && HTML_HINT.test(s);
}

const INVISIBLE_OPEN = /<(head|script|style|title)\b[^<>]*>|<!--/gi;

/**
 * Removes <head>, <script>, <style>, <title> elements and comments in one linear pass (a lazy regex over the
 * whole document is quadratic on hostile input with many unclosed openers). An unclosed one drops the rest.
 */
function stripInvisible(html: string): string {
  if (!html.includes('<')) return html;
  const lower = html.toLowerCase();
  let out = '';
  let pos = 0;
  INVISIBLE_OPEN.lastIndex = 0;
  for (let m = INVISIBLE_OPEN.exec(html); m; m = INVISIBLE_OPEN.exec(html)) {
    if (m.index < pos) continue;
    out += html.slice(pos, m.index);
    const closer = m[1] ? `</${m[1].toLowerCase()}` : '-->';
    const end = lower.indexOf(closer, m.index + m[0].length);
    if (end === -1) return out;
    const gt = closer === '-->' ? end + 2 : lower.indexOf('>', end);
    pos = gt === -1 ? html.length : gt + 1;
    INVISIBLE_OPEN.lastIndex = pos;
  }
  return out + html.slice(pos);
}

/** HTML → text: drop head/script/style, block-level tags and <br> → newline, other tags removed, entities decoded. */
export function htmlToText(html: string): string {
  return decodeEntities(
    stripInvisible(html)
      .replace(/\r?\n/g, ' ')
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(p|div|tr|li|h[1-6]|table|pre)\s*>/gi, '\n')
      .replace(/<\/t[dh]\s*>/gi, ' ')
      .replace(/<[a-z!/][^<>]*>/gi, ''),
  );
}

/**
 * Full body normalisation: entity-escaped markup is unescaped first (SEPM double-escapes some templates), then
 * tags are stripped when the result looks like HTML; CRLF/CR → LF; NBSP and narrow NBSP → space; TAB starts a new
 * line (SEPM uses it between fields) unless it follows a label's colon; every line trimmed; runs of 3+ blank lines collapsed.
 */
export function normaliseBody(body: string, isHtml: boolean): string {
  return normaliseBodyLines(body, isHtml).join('\n');
}

/** normaliseBody, returned as lines (what the extractor works on; saves re-splitting the text). */
export function normaliseBodyLines(body: string, isHtml: boolean): string[] {
  let text = body;
  if (isHtml || looksLikeHtml(text)) {
    text = htmlToText(text);
  } else if (text.includes('&lt;') && /&lt;[a-z/]/i.test(text)) {
    const unescaped = decodeEntities(text);
    text = looksLikeHtml(unescaped) ? htmlToText(unescaped) : unescaped;
  } else {
    text = decodeEntities(text);
  }
  return normaliseLines(text);
}

/** Line-level part of normaliseBody; returns the lines (the extractor works on them). */
export function normaliseLines(body: string): string[] {
  let t = body;
  // Each pass only when needed: this runs once per mail on the hot path.
  if (t.includes('\r')) t = t.replace(/\r\n?/g, '\n');
  if (SPACE_LIKE.test(t)) t = t.replace(SPACE_LIKE_ALL, ' ');
  if (t.includes('\t')) t = t.replace(/:[ \t]*\t[ \t]*/g, ': ').replace(/\t+/g, '\n');
  const out: string[] = [];
  let blank = true;
  for (const raw of t.split('\n')) {
    const line = raw.trim();
    if (line !== '') out.push(line);
    else if (!blank) out.push('');
    blank = line === '';
  }
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
