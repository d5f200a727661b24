/**
 * Builds the full SEPM 14.3 computer record (the real key set of the 14.3 RU6/RU8 samples, without the
 * readable and timediff keys that fn_sep adds) from a compact SimComputer. Per-computer details come from a
 * PRNG stream seeded by (seed, index), so a record is identical on every call.
 */
import { hexId, makeRng, mixSeed, pick, randInt, type Rng } from './rng.ts';
import { osInfo } from './os-catalog.ts';
import type { SimComputer, SimDomain, SimGroup } from './types.ts';

/** Engine on/off values. 0 disabled, 1 enabled, 2 not installed, 3 (14.3, meaning unknown), 127 not reporting. */
function engines(rng: Rng, c: SimComputer): Record<string, number> {
  const v = (): number => {
    const r = rng();
    if (c.onlineStatus === 0 && r < 0.3) return 127;
    return r < 0.06 ? 0 : 1;
  };
  const win = c.os === 'windows';
  return {
    apOnOff: rng() < 0.5 ? 3 : v(),
    avEngineOnOff: v(),
    tamperOnOff: v(),
    firewallOnOff: c.os === 'linux' ? 2 : v(),
    ptpOnOff: win ? v() : 2,
    daOnOff: win ? (rng() < 0.5 ? 3 : v()) : 2,
    cidsDrvOnOff: c.os === 'linux' ? 2 : v(),
    cidsBrowserIeOnOff: win ? v() : 2,
    cidsBrowserFfOnOff: win ? v() : 2,
    elamOnOff: win ? v() : 2,
    tdadOnOff: win ? 3 : 2,
    pepOnOff: win ? v() : 2,
  };
}

interface Network {
  ipAddresses: string[];
  macAddresses: string[];
  gateways: string[];
  subnetMasks: string[];
  dnsServers: string[];
  winServers: string[];
}

function network(rng: Rng, c: SimComputer): Network {
  const gw = c.ipAddress.replace(/\.\d+$/, '.1');
  const mac = hexId(rng, 12).match(/../g)?.join('-') ?? '00-50-56-00-00-01';
  // About a third of clients report a second (IPv6) address, with "64" as its mask, like the samples.
  if (rng() < 0.35) {
    const v6 = `FE80:0000:0000:0000:${hexId(rng, 4)}:${hexId(rng, 4)}:${hexId(rng, 4)}:${hexId(rng, 4)}`;
    return {
      ipAddresses: [c.ipAddress, v6],
      macAddresses: [mac, mac],
      gateways: [gw, gw, '0.0.0.0', '0.0.0.0'],
      subnetMasks: ['255.255.255.0', '64'],
      dnsServers: ['10.0.0.53', '10.0.1.53'],
      winServers: ['0.0.0.0', '0.0.0.0'],
    };
  }
  return {
    ipAddresses: [c.ipAddress],
    macAddresses: [mac],
    gateways: [gw, '0.0.0.0', '0.0.0.0', '0.0.0.0'],
    subnetMasks: ['255.255.255.0'],
    dnsServers: ['10.0.0.53', '10.0.1.53'],
    winServers: ['0.0.0.0', '0.0.0.0'],
  };
}

/** Appends a multi-homed host's further NICs (after the random draws, so other fields stay as generated). */
function withExtraNics(net: Network, c: SimComputer): Network {
  const extra = c.extraIps ?? [];
  if (extra.length === 0) return net;
  return {
    ...net,
    ipAddresses: [...net.ipAddresses, ...extra],
    macAddresses: [...net.macAddresses, ...extra.map(() => net.macAddresses[0] ?? '00-50-56-00-00-01')],
    subnetMasks: [...net.subnetMasks, ...extra.map((ip) => (ip.includes(':') ? '64' : '255.255.255.0'))],
  };
}

export interface RecordContext {
  seed: number;
  /** epoch ms of simulator start; relative times derive from it */
  startedAt: number;
  groupsById: Map<string, SimGroup>;
  domainsById: Map<string, SimDomain>;
}

function groupRef(ctx: RecordContext, c: SimComputer): Record<string, unknown> {
  const g = ctx.groupsById.get(c.groupId);
  const d = ctx.domainsById.get(c.domainId);
  return {
    id: c.groupId,
    name: g?.fullPathName ?? 'My Company',
    fullPathName: null,
    domain: { id: c.domainId, name: d?.name ?? 'Default' },
    externalReferenceId: null,
    source: null,
  };
}

/** Online clients check in every 5 minutes (ms), each at its own phase. */
const HEARTBEAT_MS = 300_000;

/**
 * lastUpdateTime as SEPM would report it now (epoch ms): an online client's last check-in on its own 5-minute
 * grid, so a long-running simulator does not drift every endpoint into "out of date"; offline clients keep the
 * time they stopped.
 */
export function effectiveLastUpdate(c: SimComputer, now: number): number {
  if (c.onlineStatus === 0) return c.lastUpdateTime;
  return now - ((((now - c.lastUpdateTime) % HEARTBEAT_MS) + HEARTBEAT_MS) % HEARTBEAT_MS);
}

/** Built as one flat literal: V8 turns a spread inside a ~150-key literal into a millisecond-slow path. */
export function computerRecord(ctx: RecordContext, c: SimComputer): Record<string, unknown> {
  const rng = makeRng(mixSeed(ctx.seed, c.index, 3));
  const os = osInfo(c);
  const created = ctx.startedAt - randInt(rng, 20, 700) * 86_400_000;
  const win = c.os === 'windows';
  const eng = engines(rng, c);
  const net = withExtraNics(network(rng, c), c);
  const user = pick(rng, win ? ['Administrator', 'jdoe', 'asmith', 'svc_backup'] : ['root', 'jdoe', 'admin']);
  const agentVersion = pick(rng, ['14.3.9205.6000', '14.3.9717.7000', '14.3.10148.8000']);
  const lastScan = c.lastUpdateTime - randInt(rng, 60, 86_400) * 1000;
  const lastUpdate = effectiveLastUpdate(c, Date.now());
  const defs = new Date(c.lastUpdateTime).toISOString().slice(2, 10).replace(/-/g, '');
  return {
    group: groupRef(ctx, c),
    ipAddresses: net.ipAddresses,
    macAddresses: net.macAddresses,
    gateways: net.gateways,
    subnetMasks: net.subnetMasks,
    dnsServers: net.dnsServers,
    winServers: net.winServers,
    description: '',
    computerName: c.computerName,
    logonUserName: user,
    domainOrWorkgroup: win ? pick(rng, ['WORKGROUP', 'CORP']) : '',
    computerDescription: '',
    processorType: win ? 'Intel64 Family 6 Model 79 Stepping 1' : c.os === 'macos' ? 'Apple M2' : 'x86_64',
    processorClock: pick(rng, [2300, 2400, 3000]),
    physicalCpus: randInt(rng, 1, 4),
    logicalCpus: 0,
    memory: pick(rng, [4294557696, 8589463552, 17179336704]),
    biosVersion: pick(rng, ['Xen - 0 Revision: 1.221', 'INTEL  - 6040000 PhoenixBIOS 4.0 Release 6.0', 'LENOVO - 1']),
    osFunction: os.osFunction,
    osFlavorNumber: os.osFlavorNumber,
    osName: os.osName,
    operatingSystem: os.operatingSystem,
    osVersion: os.osVersion,
    osMajor: os.osMajor,
    osMinor: os.osMinor,
    osServicePack: os.osServicePack,
    osBitness: c.os === 'macos' ? 'arm64' : 'x64',
    tmpDevice: null,
    uniqueId: c.uniqueId,
    hardwareKey: c.hardwareKey,
    uuid: hexId(rng, 8) + '-' + hexId(rng, 4) + '-' + hexId(rng, 4) + '-' + hexId(rng, 4) + '-' + hexId(rng, 12),
    osLanguage: 'en-US',
    totalDiskSpace: randInt(rng, 50_000, 500_000),
    groupUpdateProvider: false,
    deploymentStatus: '302456832',
    deploymentMessage: '',
    deploymentTargetVersion: agentVersion,
    deploymentRunningVersion: agentVersion,
    deploymentPreVersion: '',
    lastDeploymentTime: created + 3_600_000,
    virtualizationPlatform: pick(rng, ['VMware', 'Citrix', 'Unknown']),
    securityVirtualAppliance: null,
    serialNumber: 'SN-' + hexId(rng, 10),
    installType: '0',
    writeFiltersStatus: null,
    agentVersion,
    atpDeviceId: null,
    encryptedDevicePassword: null,
    publicKey: 'BgIAAACkAABSU0ExAAgAAAEAAQ' + hexId(rng, 24),
    deleted: 0,
    quarantineStatus: c.quarantineStatus,
    quarantineCode: c.quarantineCode,
    quarantineDesc: c.quarantineDesc,
    loginDomain: 'LocalComputer',
    agentId: c.agentId,
    agentType: '105',
    profileVersion: '14.3.25029',
    profileSerialNo: `${c.groupId.slice(0, 4)}-08/21/2024 12:38:31 900`,
    profileChecksum: null,
    idsVersion: '',
    idsSerialNo: '',
    idsChecksum: null,
    creationTime: created,
    onlineStatus: c.onlineStatus,
    lastUpdateTime: lastUpdate,
    lastServerId: '477D0222092E5BB91EC14117B8C56C14',
    lastServerName: 'sepm-sim',
    lastSiteId: 'C18D5D63092E5BB937BFAB713E75E3E9',
    lastSiteName: 'My Site',
    attributeExtension: '',
    fullName: '',
    email: '',
    jobTitle: '',
    department: '',
    employeeNumber: '',
    employeeStatus: '',
    officePhone: '',
    mobilePhone: '',
    homePhone: '',
    agentTimeStamp: lastUpdate,
    agentUsn: randInt(rng, 100_000, 2_000_000),
    patternIdx: hexId(rng),
    apOnOff: eng.apOnOff,
    infected: c.infected,
    worstInfectionIdx: c.infected ? '0' : '9999',
    lastScanTime: lastScan,
    lastVirusTime: c.infected ? lastScan - 3_600_000 : 0,
    contentUpdate: 1,
    avEngineOnOff: eng.avEngineOnOff,
    avDefsetVersion: `${defs}021`,
    avDefsetSequence: String(randInt(rng, 200_000, 240_000)),
    avDefsetRevision: '21',
    tamperOnOff: eng.tamperOnOff,
    majorVersion: 14,
    minorVersion: 3,
    rebootRequired: 0,
    rebootReason: '',
    licenseStatus: -1,
    licenseExpiry: 0,
    timeZone: pick(rng, [0, 60, -300, 480]),
    firewallOnOff: eng.firewallOnOff,
    freeMem: randInt(rng, 500_000_000, 4_000_000_000),
    freeDisk: randInt(rng, 5_000_000_000, 60_000_000_000),
    lastDownloadTime: created + 60_000,
    currentClientId: hexId(rng),
    licenseId: null,
    isGrace: 0,
    snacLicenseId: null,
    ptpOnOff: eng.ptpOnOff,
    lastHeuristicThreatTime: 0,
    bashStatus: 1,
    daOnOff: eng.daOnOff,
    cidsDrvOnOff: eng.cidsDrvOnOff,
    cidsSilentMode: 0,
    cidsDrvMulfCode: 0,
    cidsBrowserIeOnOff: eng.cidsBrowserIeOnOff,
    cidsBrowserFfOnOff: eng.cidsBrowserFfOnOff,
    cidsEngineVersion: '17.2.11.37',
    cidsDefsetVersion: `${defs}081`,
    behavioralAnalysisDefsetVersion: `${defs}001`,
    elamOnOff: eng.elamOnOff,
    osElamStatus: 0,
    tdadOnOff: eng.tdadOnOff,
    tdadStatusId: 127,
    tdadGlobalDataDownloadTime: 0,
    tdadGlobalDataProcessingDoneTime: 0,
    vsicStatus: 3,
    isNpvdiClient: 0,
    svaId: null,
    lastConnectedIpAddr: c.ipAddress,
    pepOnOff: eng.pepOnOff,
    edrStatus: 0,
    atpServer: '',
    tpmDevice: '0',
    dhcpServer: '0.0.0.0',
    computerTimeStamp: lastUpdate,
    computerUsn: randInt(rng, 100_000, 2_000_000),
    diskDrive: win ? 'C:\\' : '/',
    hypervisorVendorId: '1',
    kernel: os.kernel,
    bwf: 2,
    fbwf: 2,
    uwf: 2,
    telemetryMid:
      hexId(rng, 8) + '-' + hexId(rng, 4) + '-' + hexId(rng, 4) + '-' + hexId(rng, 4) + '-' + hexId(rng, 12),
    telemetryHwid:
      hexId(rng, 8) + '-' + hexId(rng, 4) + '-' + hexId(rng, 4) + '-' + hexId(rng, 4) + '-' + hexId(rng, 12),
    wssStatus: 0,
    pskVersion: 0,
  };
}
