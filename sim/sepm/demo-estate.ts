/**
 * The demo estate: the generated estate (estate.ts) reshaped so the fixture mails (fixtures/emails) meet real
 * endpoints. Every computer, IP and file those mails name exists here, online, with the file planted where the mail
 * says (so an EOC scan for its path or hash matches and a remediation can remove it), among the usual SEPM names
 * (WS-, SRV-, MAC-, lnx-, WIN-…). Nearly every other endpoint is online too: a scan is "Completed" only when every
 * endpoint answered or the scan timed out, so the demo keeps a few offline clients (a realistic "Completed on X of Y")
 * and the demo's short scan timeout (src/cli/demo.ts) bounds the wait for them.
 */
import { createHash } from 'node:crypto';
import { compareNames, type Estate } from './estate.ts';
import type { SimOs, SimPlantedFile } from './types.ts';

export interface DemoFile {
  path: string;
  /** lower-case hex; when absent a stand-in is derived from the path (name matches still work). */
  sha256?: string;
  md5?: string;
  sha1?: string;
}

export interface DemoHost {
  name: string;
  os: SimOs;
  group: string;
  ip: string;
  extraIps?: string[];
  files: DemoFile[];
}

const WS = 'My Company\\Workstations';
const SRV = 'My Company\\Servers';
const SHA256_TROJAN = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f';
const SHA256_LOCKBIT = '8e3d3e2d4a8f0b1c5b6a7d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c';
const LOCKBIT_PATH = (user: string) => `C:\\Users\\${user}\\AppData\\Local\\Temp\\lb3.exe`;

/** Hosts, addresses and files as the fixture mails name them (short names: SEPM lists computers by NetBIOS name). */
export const DEMO_HOSTS: readonly DemoHost[] = [
  {
    name: 'TEST-ENDPOINT',
    os: 'windows',
    group: WS,
    ip: '192.168.194.94',
    files: [{ path: 'C:\\suspicious_exe.exe' }],
  },
  {
    name: 'WS-0142',
    os: 'windows',
    group: WS,
    ip: '192.0.2.14',
    files: [
      { path: 'E:\\autorun.inf' },
      { path: 'C:\\Users\\françois\\Téléchargements\\facture.exe' },
      { path: 'C:\\Users\\josé\\AppData\\Local\\Temp\\a=b%20c\\drop_1234567890_abcdefghijklmnopqrstuvwxyz.exe' },
    ],
  },
  {
    name: 'WS-0207',
    os: 'windows',
    group: WS,
    ip: '192.0.2.77',
    files: [{ path: 'C:\\Users\\asmith\\Downloads\\invoice_2024.exe', sha256: SHA256_TROJAN }],
  },
  {
    name: 'LAPTOP-88',
    os: 'windows',
    group: WS,
    ip: '10.4.8.15',
    files: [{ path: 'C:\\ProgramData\\tmp\\svch0st.exe', sha1: '1ce39d44cc735db5788f07b25c5bb32c6ca48c09' }],
  },
  {
    name: 'ws042',
    os: 'windows',
    group: WS,
    ip: '198.51.100.42',
    files: [{ path: 'C:\\Users\\admin\\Desktop\\test.txt', md5: '44d88612fea8a8f36de82e1278abb02f' }],
  },
  { name: 'fs01', os: 'windows', group: SRV, ip: '10.1.1.20', files: [{ path: 'D:\\Shares\\Finance\\macro.xlsm' }] },
  {
    name: 'lnx-build-3',
    os: 'linux',
    group: 'My Company\\Linux',
    ip: '192.0.2.7',
    extraIps: ['2001:db8:10::33'],
    files: [{ path: '/home/rjones/Downloads/miner.sh' }],
  },
  {
    name: 'SRV-APP-12',
    os: 'windows',
    group: SRV,
    ip: '192.0.2.201',
    files: [{ path: 'C:\\Windows\\Temp\\beacon.dll' }],
  },
  { name: 'WS-0999', os: 'windows', group: WS, ip: '192.0.2.99', files: [{ path: 'C:\\Users\\Public\\tasksche.exe' }] },
  {
    name: 'PC-COMPTA-04',
    os: 'windows',
    group: WS,
    ip: '192.0.2.44',
    files: [{ path: 'C:\\Users\\Public\\Téléchargements\\outil.exe' }],
  },
  {
    name: 'DNHFF3453',
    os: 'windows',
    group: WS,
    ip: '1.2.3.4',
    files: [
      { path: 'C:\\Users\\admin\\Desktop\\test.txt', sha256: SHA256_TROJAN },
      {
        path: 'c:\\program files (x86)\\visualxxxxxxxxxx\\vtomxvision.exe',
        sha256: 'e13d72de479a65e6448c779b3b2bce45db7b5ae52b1baa0fe915380a667d3c01',
      },
    ],
  },
  ...(
    [
      ['WS-0311', '192.0.2.31', 'mlopez'],
      ['WS-0312', '192.0.2.32', 'tnguyen'],
      ['WS-0318', '192.0.2.38', 'pkumar'],
      ['LAPTOP-21', '10.4.8.21', 'ewhite'],
      ['LAPTOP-34', '10.4.8.34', 'jsmith'],
      ['WS-0420', '192.0.2.42', 'agarcia'],
    ] as const
  ).map(([name, ip, user]) => ({
    name,
    os: 'windows' as const,
    group: WS,
    ip,
    files: [{ path: LOCKBIT_PATH(user), sha256: SHA256_LOCKBIT }],
  })),
  { name: 'WS-0555', os: 'windows', group: WS, ip: '192.0.2.55', files: [] },
  { name: 'SRV-WEB-01', os: 'windows', group: 'My Company\\Servers\\DMZ', ip: '192.0.2.10', files: [] },
  {
    name: 'SRV-WEB-02',
    os: 'windows',
    group: 'My Company\\Servers\\DMZ',
    ip: '192.0.2.11',
    extraIps: ['2001:db8:10::2'],
    files: [],
  },
  { name: 'DC01', os: 'windows', group: SRV, ip: '10.20.0.10', files: [] },
  { name: 'INT23456', os: 'windows', group: WS, ip: '10.2.34.56', files: [] },
  { name: 'VPNP02', os: 'windows', group: SRV, ip: '10.20.0.42', files: [] },
  // Typical names a SEPM console shows next to the generated WS-/SRV-/MAC-/lnx- ones.
  { name: 'EXCH01', os: 'windows', group: SRV, ip: '10.20.0.25', files: [] },
  { name: 'SQL-PROD-01', os: 'windows', group: 'My Company\\Servers\\Database', ip: '10.20.0.31', files: [] },
  { name: 'DESKTOP-7QK2M1C', os: 'windows', group: WS, ip: '10.4.9.17', files: [] },
];

/** Of the generated endpoints, one in this many stays offline (SEPM ≈ 15 % offline would stall every scan). */
const OFFLINE_ONE_IN = 40;

function planted(f: DemoFile): SimPlantedFile {
  const out: SimPlantedFile = {
    path: f.path,
    sha256: f.sha256 ?? createHash('sha256').update(`demo:${f.path}`, 'utf8').digest('hex'),
  };
  if (f.md5) out.md5 = f.md5;
  if (f.sha1) out.sha1 = f.sha1;
  return out;
}

/**
 * Reshapes a generated estate in place (the simulator's `shapeEstate` hook): each demo host takes over a generated
 * computer of its OS (ids, hardware key and record stay consistent), moves to its group, gets its addresses and
 * files and is online; the rest is online except one in OFFLINE_ONE_IN. `now` is the simulator's start (epoch ms).
 */
export function shapeDemoEstate(estate: Estate, now: number): void {
  const mainDomain = estate.domains[0]!.id;
  const groupByPath = new Map(
    estate.groups.filter((g) => g.domainId === mainDomain).map((g) => [g.fullPathName.toLowerCase(), g]),
  );
  const spare = estate.computers.filter((c) => c.index > 0 && c.domainId === mainDomain);
  for (const host of DEMO_HOSTS) {
    const at = spare.findIndex((c) => c.os === host.os);
    const group = groupByPath.get(host.group.toLowerCase());
    if (at < 0 || !group) throw new Error(`demo estate: no ${host.os} computer or group ${host.group} to use`);
    const c = spare.splice(at, 1)[0]!;
    const old = estate.groups.find((g) => g.id === c.groupId);
    if (old) old.computerCount--;
    group.computerCount++;
    Object.assign(c, {
      computerName: host.name,
      groupId: group.id,
      ipAddress: host.ip,
      onlineStatus: 1,
      infected: host.files.length > 0 ? 1 : 0,
      lastUpdateTime: now - 60_000,
      files: host.files.map(planted),
    });
    if (host.extraIps) c.extraIps = [...host.extraIps];
  }
  for (const c of spare) {
    const online = c.index % OFFLINE_ONE_IN !== 1;
    if (online && c.onlineStatus === 0) Object.assign(c, { onlineStatus: 1, lastUpdateTime: now - 120_000 });
    if (!online && c.onlineStatus === 1) Object.assign(c, { onlineStatus: 0, lastUpdateTime: now - 3 * 86_400_000 });
  }
  estate.computers.sort((a, b) => compareNames(a.computerName, b.computerName));
}
