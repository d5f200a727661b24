import { XMLParser } from 'fast-xml-parser';
import type { MatchAttributes, ScanResult } from '../functions/types.ts';

/**
 * Parses one command-status `resultInXML` (the EOC document echoed with `Matched` elements,
 * docs/reference/sepm-rest-api.md §7 EOC scan document) into a scan_result (docs/reference/sep-functions.md §5
 * Command status processing). Entity expansion is off (no DTD/entity tricks from a tampered answer); only the
 * five predefined XML entities are decoded, by hand.
 */

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  htmlEntities: false,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => name === 'File' || name === 'Matched' || name === 'Hash',
});

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? _;
  });
}

type XmlNode = Record<string, unknown>;

function asNode(v: unknown): XmlNode | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as XmlNode) : undefined;
}

function asList(v: unknown): XmlNode[] {
  if (Array.isArray(v)) return v.map(asNode).filter((n): n is XmlNode => n !== undefined);
  const n = asNode(v);
  return n ? [n] : [];
}

function attributesOf(node: XmlNode): MatchAttributes {
  const out: MatchAttributes = {};
  for (const [k, v] of Object.entries(node)) if (typeof v === 'string') out[k] = decodeEntities(v);
  return out;
}

function filesOf(xml: string): XmlNode[] {
  const doc = asNode(parser.parse(xml));
  const eoc = asNode(doc?.EOC);
  const os = asList(asNode(eoc?.Activity)?.OS);
  return os.flatMap((o) => asList(asNode(o.Files)?.File));
}

export function emptyScanResult(): ScanResult {
  return {
    MATCH: false,
    artifact_value: '',
    artifact_type: '',
    remediate_artifact_value: '',
    FULL_MATCHES: [],
    HASH_MATCHES: [],
    PARTIAL_MATCHES: [],
    match_count: 0,
    remediation_count: 0,
    fail_remediation_count: 0,
  };
}

const LIST_KEY = { HASH_MATCH: 'HASH_MATCHES', FULL_MATCH: 'FULL_MATCHES', PARTIAL_MATCH: 'PARTIAL_MATCHES' } as const;

function sameAttributes(a: MatchAttributes, b: MatchAttributes): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Sets artifact identity from the first match: file path/name for full/partial, the IOC hash for hash matches. */
function setIdentity(r: ScanResult, result: string, fileName: string, file: XmlNode): void {
  if (r.artifact_type !== '') return;
  if (result === 'HASH_MATCH') {
    const hash = asList(file.Hash).map(attributesOf)[0];
    r.artifact_type = `${hash?.name ?? 'Unknown'} hash`;
    r.artifact_value = hash?.value ?? '';
  } else {
    r.artifact_type = /[\\/]/.test(fileName) ? 'File Path' : 'File Name';
    r.artifact_value = fileName;
  }
}

/**
 * Scan mode: every HASH/FULL/PARTIAL match counts (deduplicated on the whole attribute map).
 * Remediation mode: only SUCCEEDED remediations count as matches; FAILED ones are counted as failures.
 */
export function parseScanResult(xml: string | null | undefined, remediation: boolean): ScanResult {
  const r = emptyScanResult();
  if (!xml || xml.trim() === '') return r;
  for (const file of filesOf(xml)) {
    const fileName = decodeEntities(typeof file.name === 'string' ? file.name : '');
    for (const m of asList(file.Matched).map(attributesOf)) {
      const result = m.result ?? '';
      if (!(result in LIST_KEY)) continue;
      if (remediation) {
        if (r.remediate_artifact_value === '') r.remediate_artifact_value = fileName;
        if (m.remediation !== 'SUCCEEDED') {
          if (m.remediation === 'FAILED') r.fail_remediation_count++;
          continue;
        }
      }
      const list = r[LIST_KEY[result as keyof typeof LIST_KEY]];
      if (list.some((x) => sameAttributes(x, m))) continue;
      list.push(m);
      r.MATCH = true;
      r.match_count++;
      if (m.remediation === 'SUCCEEDED') r.remediation_count++;
      if (!remediation && m.remediation === 'FAILED') r.fail_remediation_count++;
      setIdentity(r, result, fileName, file);
    }
  }
  return r;
}

/** All matches of a scan result in document order of kind: full, partial, hash. */
export function allMatches(r: ScanResult): MatchAttributes[] {
  return [...r.FULL_MATCHES, ...r.PARTIAL_MATCHES, ...r.HASH_MATCHES];
}
