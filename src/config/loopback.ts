import ipaddr from 'ipaddr.js';

/** `localhost`, 127.0.0.0/8 or ::1 (brackets allowed). Host names other than `localhost` are never loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === 'localhost.') return true;
  if (!ipaddr.isValid(h)) return false;
  return ipaddr.parse(h).range() === 'loopback';
}
