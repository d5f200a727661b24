import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { FingerprintList, GetComputersOutput, SepmComputer, SepmDomain } from '../../sepm/functions/schemas.ts';
import type { JobContext } from '../jobs/context.ts';

/** Look-ups several playbooks share: computers by name/IP/id, the configured domain, the blacklist. */

export interface ComputerRef {
  computer?: string | undefined;
  computerId?: string | undefined;
  hardwareKey?: string | undefined;
}

function pageContent(out: GetComputersOutput): SepmComputer[] {
  return 'content' in out && Array.isArray(out.content) ? out.content : [];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function looksLikeIp(v: string): boolean {
  return IPV4.test(v) || (v.includes(':') && /^[0-9a-fA-F:.]+$/.test(v));
}

/**
 * Computers matching the reference. SEPM cannot filter by IP, so an IP is matched over all pages; a DNS name
 * that finds nothing is retried with its first label (SEPM stores the short NetBIOS name).
 */
export async function findComputers(ctx: JobContext, ref: ComputerRef): Promise<SepmComputer[]> {
  if (ref.computerId) return pageContent(await ctx.sepm.getComputers({ computerId: ref.computerId }));
  if (ref.hardwareKey) return pageContent(await ctx.sepm.getComputers({ hardwareKey: ref.hardwareKey }));
  const name = ref.computer?.trim() ?? '';
  if (!name) return [];
  if (looksLikeIp(name)) {
    const all = pageContent(await ctx.sepm.getComputers({ allPages: true }));
    const want = name.toLowerCase();
    return all.filter((c) => (c.ipAddresses ?? []).some((ip) => ip.toLowerCase() === want));
  }
  const byName = pageContent(await ctx.sepm.getComputers({ computerName: name, allPages: true }));
  if (byName.length > 0 || !name.includes('.')) return byName;
  const short = name.split('.')[0] ?? '';
  return short ? pageContent(await ctx.sepm.getComputers({ computerName: short, allPages: true })) : [];
}

/** Exactly one computer, or a permanent error (acting on "whichever came first" would be wrong). */
export async function findOneComputer(ctx: JobContext, ref: ComputerRef): Promise<SepmComputer> {
  const found = await findComputers(ctx, ref);
  const label = ref.computerId ?? ref.hardwareKey ?? ref.computer ?? '';
  if (found.length === 0) {
    throw new AppError(ErrorCodes.SEPM_NOT_FOUND, `no SEPM computer matches '${label}'`, { details: { ref: label } });
  }
  if (found.length > 1) {
    throw new AppError(
      ErrorCodes.JOB_PAYLOAD_INVALID,
      `${found.length} SEPM computers match '${label}'; give computerId`,
      {
        details: { ref: label, matches: found.map((c) => c.uniqueId) },
      },
    );
  }
  return found[0]!;
}

/** The SEPM domain configured in enrich.domainName (case-insensitive; "Default" falls back to the first). */
export async function configuredDomain(ctx: JobContext): Promise<SepmDomain> {
  const domains = await ctx.sepm.getDomains({});
  const want = ctx.config.enrich.domainName.toLowerCase();
  const found = domains.find((d) => d.name?.toLowerCase() === want) ?? (want === 'default' ? domains[0] : undefined);
  if (!found) {
    throw new AppError(ErrorCodes.SEPM_NOT_FOUND, `SEPM domain '${ctx.config.enrich.domainName}' not found`, {
      details: { domains: domains.map((d) => d.name) },
    });
  }
  return found;
}

export interface BlacklistState {
  domain: SepmDomain;
  name: string;
  list: FingerprintList | undefined;
}

/**
 * Name of the managed list for a hash. A v1 fingerprint list holds one hash type, so MD5 hashes go to
 * `<enrich.blacklistName>-md5` and SHA-256 ones to `<enrich.blacklistName>`; an explicit name is used as given.
 */
export function blacklistNameFor(ctx: JobContext, hash: string | undefined, listName?: string): string {
  if (listName) return listName;
  const base = ctx.config.enrich.blacklistName;
  return hash && hash.length === 32 ? `${base}-md5` : base;
}

/** Every managed list name (for delete / lock-down without an explicit name). */
export function managedBlacklistNames(ctx: JobContext, listName?: string): string[] {
  if (listName) return [listName];
  const base = ctx.config.enrich.blacklistName;
  return [base, `${base}-md5`];
}

/** A blacklist by name (default: the managed list for `hash`) and whether it exists. */
export async function readBlacklist(ctx: JobContext, listName?: string, hash?: string): Promise<BlacklistState> {
  const domain = await configuredDomain(ctx);
  const name = blacklistNameFor(ctx, hash, listName);
  const out = await ctx.sepm.getFingerprintList({ domainId: domain.id, name });
  return { domain, name, list: out.exists ? out.list : undefined };
}
