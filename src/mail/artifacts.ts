import { isPlaceholder, normaliseIp } from './fields.ts';
import { ArtifactTypes, type Artifact, type ArtifactType, type RiskEvent, type SepNotification } from './types.ts';

/**
 * Risk events → IBM SOAR artifacts (pure), de-duplicated per mail (type + case-insensitive value; the first
 * description wins). Computer names with a dot and a letter-only last label are DNS Names, others System Names.
 */

const HASH_TYPES = { MD5: ArtifactTypes.md5, 'SHA-1': ArtifactTypes.sha1, 'SHA-256': ArtifactTypes.sha256 } as const;
const FQDN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/i;

export function eventsToArtifacts(n: SepNotification): Artifact[] {
  const out = new Map<string, Artifact>();
  const add = (type: ArtifactType, value: string | undefined, description: string) => {
    if (value === undefined) return;
    const v = value.trim();
    if (isPlaceholder(v)) return;
    const key = `${type}\u0000${v.toLowerCase()}`;
    if (!out.has(key)) out.set(key, { type, value: v, description });
  };
  for (const ev of n.events) addEvent(ev, add);
  return [...out.values()];
}

type Add = (type: ArtifactType, value: string | undefined, description: string) => void;

function addEvent(ev: RiskEvent, add: Add): void {
  const risk = ev.riskName ? ` (${ev.riskName})` : '';
  const attacked = ev.attackerIp !== undefined && !ev.riskName;
  addHost(ev.computer, attacked ? 'Target of a SEP security alert' : `Endpoint with a SEP risk event${risk}`, add);
  if (ev.targetComputer !== ev.computer) addHost(ev.targetComputer, 'Target of a SEP security alert', add);
  for (const ip of ev.ips) add(ArtifactTypes.ipAddress, ip, `IP address of endpoint ${ev.computer ?? ''}`.trim());
  add(ArtifactTypes.ipAddress, ev.attackerIp, 'Source (attacker) IP of a SEP security alert');
  add(ArtifactTypes.ipAddress, ev.targetIp, 'Target IP of a SEP security alert');
  if (ev.filePath) {
    const name = baseName(ev.filePath);
    if (name !== ev.filePath) add(ArtifactTypes.filePath, ev.filePath, `File path of suspicious file${risk}`);
    add(ArtifactTypes.fileName, name, `File name of suspicious file ${ev.filePath}`);
  }
  add(ArtifactTypes.userAccount, ev.user, `User logged on at ${ev.computer ?? 'the endpoint'}`);
  add(ArtifactTypes.malwareFamily, ev.riskName, 'Risk name reported by SEP');
  if (ev.hash) add(HASH_TYPES[ev.hash.type], ev.hash.value, `Application hash${risk}`);
}

function addHost(value: string | undefined, description: string, add: Add): void {
  if (!value) return;
  const v = value.trim();
  const ip = normaliseIp(v);
  if (ip) add(ArtifactTypes.ipAddress, ip, description);
  else add(FQDN.test(v) ? ArtifactTypes.dnsName : ArtifactTypes.systemName, v.replace(/\.$/, ''), description);
}

/** Text after the last `\` or `/` (the whole value when it has neither or ends with one). */
export function baseName(path: string): string {
  const p = path.trim();
  const cut = Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/'));
  const name = cut === -1 ? p : p.slice(cut + 1);
  return name === '' ? p : name;
}
