import { invalidEntry } from './ip-match.ts';

/**
 * Glob flavours:
 * - `plain` (risk names): `*` any run of characters, `?` one character, case-insensitive, whole value.
 * - `path` (file paths, SEPM group paths): `\` and `/` are the same separator; `*` and `?` stay inside one
 *   segment, `**` spans segments (`**\` also matches zero segments). A pattern without any separator is matched
 *   against the last segment (the file name), like .gitignore, so `eicar.com` or `*.tmp` match in any folder.
 * - `user`: like plain; a pattern without `\` or `@` is also tried against the bare account name of
 *   `DOMAIN\name` and `name@domain`, so `svc_*` matches `CORP\svc_backup`.
 * - `host`: like plain; a pattern without a dot is also tried against the short name of an FQDN, so `dc*`
 *   matches `DC01.corp.example.com`.
 */
export type GlobKind = 'plain' | 'path' | 'user' | 'host';

const SPECIAL = /[.+^${}()|[\]\\]/g;

function escape(text: string): string {
  return text.replace(SPECIAL, '\\$&');
}

/** Path glob → RegExp over a value whose separators were normalised to `/`. */
export function pathGlobToRegExp(pattern: string): RegExp {
  const p = pattern.replace(/\\/g, '/');
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '*' && p[i + 1] === '*') {
      i++;
      if (p[i + 1] === '/') {
        i++;
        out += '(?:.*/)?';
      } else {
        out += '.*';
      }
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else {
      out += escape(c);
    }
  }
  return new RegExp(`^${out}$`, 'is');
}

export function plainGlobToRegExp(pattern: string): RegExp {
  let out = '';
  for (const c of pattern) out += c === '*' ? '.*' : c === '?' ? '.' : escape(c);
  return new RegExp(`^${out}$`, 'is');
}

function combine(res: RegExp[]): RegExp | null {
  if (res.length === 0) return null;
  return new RegExp(`^(?:${res.map((r) => r.source.slice(1, -1)).join('|')})$`, 'is');
}

interface CompiledGlob {
  rule: string;
  re: RegExp;
  /** Also try the value's short form (file name, bare user, short host). */
  short: boolean;
}

function shortForm(value: string, kind: GlobKind): string | null {
  if (kind === 'path') return value.slice(value.lastIndexOf('/') + 1);
  if (kind === 'user') {
    const bare = value.slice(value.lastIndexOf('\\') + 1).split('@')[0] as string;
    return bare === value ? null : bare;
  }
  if (kind === 'host') {
    const dot = value.indexOf('.');
    return dot > 0 ? value.slice(0, dot) : null;
  }
  return null;
}

function compileGlob(entry: string, kind: GlobKind, rule: string): CompiledGlob {
  const e = entry.trim();
  if (kind === 'path') return { rule, re: pathGlobToRegExp(e), short: !/[\\/]/.test(e) };
  const short = (kind === 'user' && !/[\\@]/.test(e)) || (kind === 'host' && !e.includes('.'));
  return { rule, re: plainGlobToRegExp(e), short };
}

/**
 * Compiles glob entries into a matcher returning the matching rule (`<listName>: <entry>`) or null.
 * Empty entries are rejected (they would match nothing and usually mean a YAML slip).
 */
export function globMatcher(
  entries: string[],
  listName: string,
  kind: GlobKind = 'plain',
): (value: string) => string | null {
  const globs = entries.map((entry, i) => {
    if (entry.trim() === '') throw invalidEntry(listName, i, entry, 'empty pattern');
    if (kind === 'path' && /\*{3,}/.test(entry)) throw invalidEntry(listName, i, entry, 'more than two * in a row');
    return compileGlob(entry, kind, `${listName}: ${entry.trim()}`);
  });
  // One anchored alternation answers "no match" (the common case) in a single regex run; the rule is looked up
  // only on a hit.
  const any = combine(globs.map((g) => g.re));
  const anyShort = combine(globs.filter((g) => g.short).map((g) => g.re));
  return (value: string) => {
    if (!any) return null;
    let v = value.trim();
    if (kind === 'path') v = v.replace(/\\/g, '/');
    if (kind === 'host') v = v.replace(/\.$/, '');
    const s = anyShort ? shortForm(v, kind) : null;
    if (!any.test(v) && !(s !== null && anyShort?.test(s))) return null;
    for (const g of globs) {
      if (g.re.test(v) || (g.short && s !== null && g.re.test(s))) return g.rule;
    }
    return null;
  };
}
