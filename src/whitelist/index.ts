import type { WhitelistConfig } from '../config/schema.ts';
import { ArtifactTypes, type Artifact, type ArtifactType, type DroppedArtifact } from '../mail/types.ts';
import { globMatcher } from '../match/glob.ts';
import { domainMatcher, hostMatcher } from '../match/host-match.ts';
import { ipMatcher } from '../match/ip-match.ts';

export { compilePathGlob, compilePlainGlob, globMatcher, type GlobKind, type GlobTester } from '../match/glob.ts';
export { domainMatcher, hostMatcher } from '../match/host-match.ts';
export { ipMatcher, parseIp } from '../match/ip-match.ts';

type Matcher = (value: string) => string | null;

/** The whitelist compiled once at load: one matcher per list, plus which lists apply to which artifact type. */
export interface CompiledWhitelist {
  /** The rule (`<list>: <entry>`) that whitelists this artifact, or null. */
  match(artifact: Artifact): string | null;
  /** Number of entries per list, for logs and the check-config command. */
  readonly sizes: Readonly<Record<keyof WhitelistConfig, number>>;
}

/**
 * Validates and compiles every list. An invalid entry throws AppError WHITELIST_ENTRY_INVALID naming the list,
 * the index and the entry, e.g. `whitelist.ips[3] "10.0.0.300/8": not an IPv4/IPv6 address, CIDR or a-b range`.
 */
export function compileWhitelist(cfg: WhitelistConfig): CompiledWhitelist {
  const ips = ipMatcher(cfg.ips, 'whitelist.ips');
  const domains = domainMatcher(cfg.domains, 'whitelist.domains');
  const hosts = hostMatcher(cfg.hosts, 'whitelist.hosts');
  const riskNames = globMatcher(cfg.riskNames, 'whitelist.riskNames', 'plain');
  const paths = globMatcher(cfg.paths, 'whitelist.paths', 'path');
  const users = globMatcher(cfg.users, 'whitelist.users', 'user');
  const byType: Partial<Record<ArtifactType, Matcher[]>> = {
    [ArtifactTypes.ipAddress]: [ips],
    [ArtifactTypes.dnsName]: [hosts, domains],
    [ArtifactTypes.systemName]: [hosts, domains],
    [ArtifactTypes.filePath]: [paths],
    [ArtifactTypes.fileName]: [paths],
    [ArtifactTypes.malwareFamily]: [riskNames],
    [ArtifactTypes.userAccount]: [users],
  };
  return {
    match(artifact: Artifact): string | null {
      for (const m of byType[artifact.type] ?? []) {
        const rule = m(artifact.value);
        // The matchers name the list as `whitelist.<list>`; the rule shown on dropped artifacts is `<list>: entry`.
        if (rule) return rule.replace(/^whitelist\./, '');
      }
      return null;
    },
    sizes: {
      ips: cfg.ips.length,
      domains: cfg.domains.length,
      hosts: cfg.hosts.length,
      riskNames: cfg.riskNames.length,
      paths: cfg.paths.length,
      users: cfg.users.length,
    },
  };
}

/**
 * Splits artifacts into kept and dropped (with the rule that dropped each one). Hash artifacts are never dropped;
 * values that are not valid for their type (an `IP Address` that is no address) never match and are kept.
 */
export function applyWhitelist(
  artifacts: Artifact[],
  wl: CompiledWhitelist,
): { kept: Artifact[]; dropped: DroppedArtifact[] } {
  const kept: Artifact[] = [];
  const dropped: DroppedArtifact[] = [];
  for (const a of artifacts) {
    const rule = wl.match(a);
    if (rule) dropped.push({ ...a, rule });
    else kept.push(a);
  }
  return { kept, dropped };
}
