/** Operating systems of the simulated estate and the `os` filter token (spec enum) each one answers to. */
import type { SimComputer, SimOs } from './types.ts';

export interface OsInfo {
  /** the token the `os` query filter uses (spec enum) */
  token: string;
  osName: string;
  operatingSystem: string;
  osVersion: string;
  osMajor: number;
  osMinor: number;
  osServicePack: string;
  osFunction: string;
  osFlavorNumber: number;
  kernel: string | null;
}

const w = (token: string, osName: string, os: string, ver: string, sp: string, fn: string, flavor: number): OsInfo => {
  const [maj, min] = ver.split('.').map(Number) as [number, number];
  return {
    token,
    osName,
    operatingSystem: os,
    osVersion: ver,
    osMajor: maj,
    osMinor: min,
    osServicePack: sp,
    osFunction: fn,
    osFlavorNumber: flavor,
    kernel: null,
  };
};

const WINDOWS_WS: OsInfo[] = [
  w('Win10', 'Windows 10', 'Windows 10 Enterprise Edition', '10.0', '19045', 'Workstation', 4),
  w('Win11', 'Windows 11', 'Windows 11 Enterprise Edition', '10.0', '22631', 'Workstation', 4),
];
const WINDOWS_SRV: OsInfo[] = [
  w('Win2K19', 'Windows Server 2019', 'Windows Server 2019 Datacenter Edition', '10.0', '17763', 'Server', 8),
  // SEPM really reports some operatingSystem values with a trailing space.
  w('Win2K12', 'Windows Server 2012', 'Windows Server 2012 ', '6.2', '9200', 'Server', 7),
  w('Win2K22', 'Windows Server 2022', 'Windows Server 2022 Standard Edition', '10.0', '20348', 'Server', 7),
];
const MACOS: OsInfo[] = [
  { ...w('MacOSX', 'MacOSX', 'macOS 14.4', '14.4', '', 'Workstation', 0), kernel: '23.4.0' },
  { ...w('MacOSX', 'MacOSX', 'macOS 13.6', '13.6', '', 'Workstation', 0), kernel: '22.6.0' },
];
const LINUX: OsInfo[] = [
  {
    ...w('RedHat', 'Red Hat Enterprise Linux', 'Red Hat Enterprise Linux 8.9', '8.9', '', 'Server', 0),
    kernel: '4.18.0-513.el8.x86_64',
  },
  { ...w('Ubuntu', 'Ubuntu', 'Ubuntu 22.04', '22.4', '', 'Server', 0), kernel: '5.15.0-105-generic' },
];

export function osInfo(c: SimComputer): OsInfo {
  const list = osCatalog(c.os, c.computerName.startsWith('SRV-') || c.computerName.startsWith('WIN-'));
  return list[c.osVariant % list.length] as OsInfo;
}

function osCatalog(os: SimOs, server: boolean): OsInfo[] {
  if (os === 'macos') return MACOS;
  if (os === 'linux') return LINUX;
  return server ? WINDOWS_SRV : WINDOWS_WS;
}
