/**
 * Label alias table: every label spelling SEPM uses for an event field → one canonical field. Covers the e-mail
 * template (docs/reference/sepm-notifications.md §2 and §8 Labels), pre- and post-14.3 names, syslog vocabulary, and French labels (unverified for
 * mail, listed so a localised SEPM does not silently lose fields). Matching is case-insensitive on a normalised
 * label (single spaces, no trailing colon).
 */

export type FieldKey =
  | 'riskName'
  | 'filePath'
  | 'computer'
  | 'ip'
  | 'user'
  | 'domain'
  | 'server'
  | 'group'
  | 'action'
  | 'source'
  | 'description'
  | 'eventTime'
  | 'insertTime'
  | 'occurrences'
  | 'hash'
  | 'hashType'
  | 'md5'
  | 'sha1'
  | 'sha256'
  | 'attackerIp'
  | 'targetComputer'
  | 'targetIp';

const ALIASES: Record<FieldKey, string[]> = {
  riskName: ['risk name', 'risk', 'virus name', 'threat name', 'nom du risque', 'risque'],
  filePath: [
    'file path',
    'file',
    'path',
    'chemin du fichier',
    'chemin d’accès au fichier',
    "chemin d'accès au fichier",
  ],
  computer: ['computer', 'computer name', 'host name', 'hostname', 'machine', 'ordinateur', "nom de l'ordinateur"],
  ip: ['ip address', 'ip addresses', 'ip', 'computer ip', 'adresse ip'],
  user: ['user', 'user name', 'username', 'utilisateur', "nom d'utilisateur"],
  domain: ['domain', 'domain name', 'domaine', 'nom de domaine'],
  server: ['server', 'server name', 'serveur', 'nom du serveur'],
  group: ['client group', 'group', 'group name', 'groupe', 'groupe de clients'],
  action: ['action taken on risk', 'action taken', 'actual action', 'action', 'action effectuée', 'action réelle'],
  source: ['source', 'scan type', 'type d’analyse', "type d'analyse"],
  description: ['description', 'event description'],
  eventTime: ['event time', 'time', 'begin', 'date', "heure de l'événement", 'heure de l’événement'],
  insertTime: [
    'database insert time',
    'inserted',
    'event insert time',
    'insert time',
    "heure d'insertion dans la base de données",
  ],
  occurrences: ['occurrences', 'number of occurrences', 'count'],
  hash: ['application hash', 'file hash', 'hash', 'hachage de l’application', "hachage de l'application"],
  hashType: ['hash type', 'type de hachage'],
  md5: ['md5', 'md-5', 'md5 hash'],
  sha1: ['sha1', 'sha-1', 'sha1 hash', 'sha-1 hash'],
  sha256: ['sha256', 'sha-256', 'sha2', 'sha256 hash', 'sha-256 hash'],
  attackerIp: [
    'attacker ip',
    'attacker',
    'remote host ip',
    'source ip',
    'source computer ip',
    'remote ip',
    'attaquant',
  ],
  targetComputer: ['target computer', 'target', 'target host', 'cible'],
  targetIp: ['target ip', 'local host ip', 'local ip', 'local', 'ip cible'],
};

const LOOKUP = new Map<string, FieldKey>();
for (const [key, names] of Object.entries(ALIASES) as [FieldKey, string[]][]) {
  for (const n of names) LOOKUP.set(n, key);
}

export function normaliseLabel(label: string): string {
  return label
    .replace(/[\s\u00a0\u202f]+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Raw label → field, memoised: the same few dozen labels recur in every mail. Bounded against hostile input. */
const memo = new Map<string, FieldKey | null>();

export function fieldFor(label: string): FieldKey | undefined {
  let key = memo.get(label);
  if (key === undefined) {
    key = LOOKUP.get(normaliseLabel(label)) ?? null;
    if (memo.size > 10_000) memo.clear();
    memo.set(label, key);
  }
  return key ?? undefined;
}

/** Labels of the event-block fields that mean "a new risk event starts here" when they repeat. */
export const IDENTITY_FIELDS: readonly FieldKey[] = ['riskName', 'filePath', 'computer', 'attackerIp', 'hash'];
