import { parse as parseDomain } from 'tldts';
import { invalidEntry, parseIp } from './ip-match.ts';

/** Letters, digits, `-` and `_` (Windows computer names use `_`), 1–63 per label, 253 in all. */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

export function normaliseHost(value: string): string {
  return value.trim().toLowerCase().replace(/\.$/, '');
}

export function isHostName(host: string): boolean {
  return host.length > 0 && host.length <= 253 && host.split('.').every((l) => LABEL.test(l));
}

/** True when the name is itself a public suffix on the Public Suffix List (ICANN or private section). */
function isPublicSuffix(host: string): boolean {
  const r = parseDomain(host, { allowPrivateDomains: true, extractHostname: false });
  return r.domain === null && (r.isIcann === true || r.isPrivate === true);
}

/**
 * Exact host names, case-insensitive, trailing dot ignored. A short entry (`dc01`) matches the short name and any
 * FQDN whose first label it is (`DC01.corp.example.com`): SEPM reports either form for the same machine. An FQDN
 * entry matches only that FQDN, so `dc01.corp.example.com` does not hide a `dc01` of another domain.
 */
export function hostMatcher(entries: string[], listName: string): (value: string) => string | null {
  const exact = new Map<string, string>();
  const short = new Map<string, string>();
  entries.forEach((entry, i) => {
    const h = normaliseHost(entry);
    if (parseIp(h)) throw invalidEntry(listName, i, entry, 'an IP address belongs in the ips list');
    if (!isHostName(h)) throw invalidEntry(listName, i, entry, 'not a host name');
    const rule = `${listName}: ${entry.trim()}`;
    if (!exact.has(h)) exact.set(h, rule);
    if (!h.includes('.') && !short.has(h)) short.set(h, rule);
  });
  return (value: string) => {
    if (exact.size === 0) return null;
    const v = normaliseHost(value);
    const hit = exact.get(v);
    if (hit) return hit;
    const dot = v.indexOf('.');
    return dot > 0 ? (short.get(v.slice(0, dot)) ?? null) : null;
  };
}

/**
 * Domain patterns: `example.com` matches exactly that name; `*.example.com` matches every name below it (not the
 * bare `example.com` — list both when both are meant, as with TLS certificates). A `*` anywhere else is
 * rejected, and so is a pattern whose base is a public suffix (`*.com`, `*.co.uk`, `*.github.io`): that would
 * whitelist a whole registry. Unknown TLDs such as `.local` or `.corp` are allowed.
 */
export function domainMatcher(entries: string[], listName: string): (value: string) => string | null {
  const exact = new Map<string, string>();
  const suffixes = new Map<string, string>();
  entries.forEach((entry, i) => {
    const e = normaliseHost(entry);
    const wildcard = e.startsWith('*.');
    const base = wildcard ? e.slice(2) : e;
    if (base.includes('*')) throw invalidEntry(listName, i, entry, 'a wildcard is only allowed as a leading "*."');
    if (parseIp(base)) throw invalidEntry(listName, i, entry, 'an IP address belongs in the ips list');
    if (!isHostName(base)) throw invalidEntry(listName, i, entry, 'not a domain name');
    if (isPublicSuffix(base)) throw invalidEntry(listName, i, entry, `"${base}" is a public suffix`);
    const rule = `${listName}: ${entry.trim()}`;
    if (wildcard) {
      if (!suffixes.has(base)) suffixes.set(base, rule);
    } else if (!exact.has(base)) exact.set(base, rule);
  });
  return (value: string) => {
    if (exact.size === 0 && suffixes.size === 0) return null;
    const v = normaliseHost(value);
    const hit = exact.get(v);
    if (hit) return hit;
    // Every parent of the name, nearest first: a.b.corp.local → b.corp.local, corp.local, local.
    for (let dot = v.indexOf('.'); dot >= 0; dot = v.indexOf('.', dot + 1)) {
      const rule = suffixes.get(v.slice(dot + 1));
      if (rule) return rule;
    }
    return null;
  };
}
