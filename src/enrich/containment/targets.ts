import type { ContainmentTarget } from './index.ts';
import type { SepmComputer } from '../../sepm/functions/schemas.ts';

/**
 * What the containment gate checks for a computer: its name, every address it reports (all NICs, IPv4 and IPv6,
 * plus the address it last connected from) and its group path (`group.name` carries the full path in computer
 * records; `fullPathName` is null there).
 */
export function targetOf(c: SepmComputer): ContainmentTarget {
  const t: ContainmentTarget = { computer: c.computerName };
  const addresses = [...(Array.isArray(c.ipAddresses) ? c.ipAddresses : []), c.lastConnectedIpAddr]
    .filter((ip): ip is string => typeof ip === 'string' && ip.trim() !== '')
    .map((ip) => ip.trim());
  const ips = [...new Set(addresses)];
  if (ips[0]) t.ip = ips[0];
  if (ips.length > 0) t.ips = ips;
  if (c.group?.name) t.group = c.group.name;
  return t;
}
