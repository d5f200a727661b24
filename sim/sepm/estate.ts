/**
 * Deterministic estate: two domains, nested groups and N computers from a seed. Computers are kept compact
 * (SimComputer); the full SEPM record is built per response, so 50,000 endpoints stay light and fast.
 */
import { hexId, makeRng, mixSeed, pick, randInt, type Rng } from './rng.ts';
import type { SimComputer, SimDomain, SimGroup, SimOs } from './types.ts';

export const HI_DISABLED =
  'Host Integrity check is disabled.\n Host Integrity policy has been disabled by the administrator.';
// Playbooks read "host integrity check passed\n" as un-quarantined and "quarantined" as quarantined.
export const HI_PASSED = 'Host Integrity check passed\n Host Integrity policy requirements are met.';
export const HI_FAILED = 'Host Integrity check failed.\n Requirement "Antivirus is running" failed.';
export const QUARANTINED_DESC = 'Client is quarantined by the administrator.\n Quarantine Firewall policy is applied.';

const DAY_MS = 86_400_000;

export interface Estate {
  domains: SimDomain[];
  groups: SimGroup[];
  computers: SimComputer[];
}

interface GroupSpec {
  path: string;
  inherit: boolean;
}

function groupSpecs(sites: number): GroupSpec[] {
  const specs: GroupSpec[] = [
    { path: 'My Company', inherit: false },
    { path: 'My Company\\Default Group', inherit: true },
    { path: 'My Company\\Servers', inherit: true },
    { path: 'My Company\\Servers\\DMZ', inherit: false },
    { path: 'My Company\\Servers\\Database', inherit: true },
    { path: 'My Company\\Workstations', inherit: true },
    { path: 'My Company\\Mac', inherit: true },
    { path: 'My Company\\Linux', inherit: false },
  ];
  for (let s = 1; s <= sites; s++) {
    specs.push({ path: `My Company\\Workstations\\Site_${String(s).padStart(3, '0')}`, inherit: s % 3 !== 0 });
  }
  return specs;
}

function makeGroups(rng: Rng, domainId: string, specs: GroupSpec[], now: number): SimGroup[] {
  const byPath = new Map<string, SimGroup>();
  // 14.3 pads createdBy (the creating admin's id) with spaces to 128 characters.
  const createdBy = 'AF3C39A10A320801000000DBF200C60A'.padEnd(128, ' ');
  for (const spec of specs) {
    const cut = spec.path.lastIndexOf('\\');
    const parent = cut < 0 ? null : byPath.get(spec.path.slice(0, cut));
    const created = now - randInt(rng, 30, 900) * DAY_MS;
    byPath.set(spec.path, {
      id: hexId(rng),
      name: cut < 0 ? spec.path : spec.path.slice(cut + 1),
      fullPathName: spec.path,
      domainId,
      parentId: parent ? parent.id : null,
      policyInheritanceEnabled: spec.inherit,
      created,
      createdBy,
      policyDate: created + randInt(rng, 1, 20) * DAY_MS,
      computerCount: 0,
    });
  }
  return [...byPath.values()];
}

interface Placement {
  os: SimOs;
  name: string;
  groupPath: string;
  lab: boolean;
}

const SERVER_GROUPS = ['My Company\\Servers', 'My Company\\Servers\\DMZ', 'My Company\\Servers\\Database'] as const;

function placement(rng: Rng, i: number, sites: number): Placement {
  const n = String(i).padStart(5, '0');
  const r = rng();
  if (i === 0) return { os: 'windows', name: 'WIN-N5KGH4CP3N3', groupPath: 'My Company\\Default Group', lab: false };
  if (r < 0.03) return { os: 'windows', name: `LAB-${n}`, groupPath: 'My Company\\Test', lab: true };
  if (r < 0.15) return { os: 'windows', name: `SRV-${n}`, groupPath: pick(rng, SERVER_GROUPS), lab: false };
  if (r < 0.27) return { os: 'macos', name: `MAC-${n}`, groupPath: 'My Company\\Mac', lab: false };
  if (r < 0.35) return { os: 'linux', name: `lnx-${n}`, groupPath: 'My Company\\Linux', lab: false };
  const site = randInt(rng, 0, sites);
  const g =
    site === 0 ? 'My Company\\Default Group' : `My Company\\Workstations\\Site_${String(site).padStart(3, '0')}`;
  return { os: 'windows', name: `WS-${n}`, groupPath: g, lab: false };
}

const HI_STATES = {
  disabled: { code: 105, desc: HI_DISABLED },
  passed: { code: 0, desc: HI_PASSED },
  failed: { code: 2, desc: HI_FAILED },
} as const;

function hiState(rng: Rng, os: SimOs): { code: number; desc: string } {
  if (os !== 'windows') return HI_STATES.disabled;
  const r = rng();
  return r < 0.6 ? HI_STATES.disabled : r < 0.92 ? HI_STATES.passed : HI_STATES.failed;
}

function makeComputer(rng: Rng, i: number, p: Placement, now: number, group: SimGroup): SimComputer {
  const online = i === 0 || rng() < 0.85 ? 1 : 0;
  const hi = hiState(rng, p.os);
  return {
    index: i,
    computerName: p.name,
    uniqueId: hexId(rng),
    hardwareKey: hexId(rng),
    agentId: hexId(rng),
    groupId: group.id,
    domainId: group.domainId,
    os: p.os,
    osVariant: randInt(rng, 0, 7),
    // 250 hosts per /24 keeps every address valid for any estate size.
    ipAddress: `10.${Math.floor(i / 62_500) % 256}.${Math.floor(i / 250) % 250}.${(i % 250) + 2}`,
    onlineStatus: online,
    quarantineStatus: 3,
    quarantineCode: hi.code,
    quarantineDesc: hi.desc,
    infected: rng() < 0.04 ? 1 : 0,
    // Online clients check in every few minutes; offline ones stopped days ago (epoch ms).
    lastUpdateTime: online ? now - randInt(rng, 5_000, 600_000) : now - randInt(rng, 1, 60) * DAY_MS,
    files: [],
  };
}

export function generateEstate(seed: number, count: number, now: number): Estate {
  const rng = makeRng(mixSeed(seed, 0, 0));
  const sites = Math.max(2, Math.ceil(count / 1000));
  const domains: SimDomain[] = [
    {
      id: hexId(rng),
      name: 'Default',
      description: null,
      createdTime: now - 1000 * DAY_MS,
      enable: true,
      companyName: 'Example Corp',
      contactInfo: null,
      administratorCount: 1,
    },
    {
      id: hexId(rng),
      name: 'Lab',
      description: null,
      createdTime: now - 400 * DAY_MS,
      enable: true,
      companyName: 'Example Corp Lab',
      contactInfo: '',
      administratorCount: 1,
    },
  ];
  const [main, lab] = domains as [SimDomain, SimDomain];
  const mainGroups = makeGroups(rng, main.id, groupSpecs(sites), now);
  const labGroups = makeGroups(
    rng,
    lab.id,
    [
      { path: 'My Company', inherit: false },
      { path: 'My Company\\Default Group', inherit: true },
      { path: 'My Company\\Test', inherit: true },
    ],
    now,
  );
  const mainByPath = new Map(mainGroups.map((g) => [g.fullPathName, g]));
  const labByPath = new Map(labGroups.map((g) => [g.fullPathName, g]));
  const computers: SimComputer[] = [];
  for (let i = 0; i < count; i++) {
    // One PRNG stream per computer: placement first, then its identity and status.
    const rng = makeRng(mixSeed(seed, i, 1));
    const p = placement(rng, i, sites);
    const group = (p.lab ? labByPath : mainByPath).get(p.groupPath);
    if (!group) throw new Error(`estate: no group ${p.groupPath}`);
    group.computerCount++;
    computers.push(makeComputer(rng, i, p, now, group));
  }
  computers.sort((a, b) => compareNames(a.computerName, b.computerName));
  return { domains, groups: [...mainGroups, ...labGroups], computers };
}

export function compareNames(a: string, b: string): number {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
