/**
 * EOC (Evidence of Compromise) scan: parses the request XML and renders the per-endpoint `resultInXML` the way
 * SEPM does — the request echoed with URL/User/proxy/Application added to Threat, empty Hash children dropped,
 * hashes lower-cased, and `Matched` elements computed against the files planted on the endpoint.
 */
import { XMLParser } from 'fast-xml-parser';
import type { SimPlantedFile } from './types.ts';

export interface EocFile {
  name: string;
  action: string;
  hashName: string;
  hashValue: string;
}

export interface EocRequest {
  attrs: { creator: string; version: string; id: string };
  dataSource: { name: string; id: string; version: string };
  scanType: string;
  remediate: boolean;
  threat: { category: string; type: string; severity: string; time: string };
  description: string;
  os: { id: string; name: string; version: string; patch?: string };
  files: EocFile[];
}

export class EocParseError extends Error {}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  isArray: (name) => name === 'File' || name === 'Hash',
});

type Node = Record<string, unknown>;

const obj = (v: unknown): Node => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const attr = (n: Node, k: string): string => str(n[`@_${k}`]);

export function parseEoc(xml: string): EocRequest {
  // Hardened: no DTDs, hence no external or expanding entities.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new EocParseError('DTD not allowed');
  let doc: Node;
  try {
    doc = obj(parser.parse(xml, true));
  } catch (err) {
    throw new EocParseError((err as Error).message);
  }
  const eoc = obj(doc.EOC);
  if (!doc.EOC) throw new EocParseError('root element EOC missing');
  const threat = obj(eoc.Threat);
  const ds = obj(eoc.DataSource);
  const os = obj(obj(eoc.Activity).OS);
  const files = (obj(os.Files).File as unknown[] | undefined) ?? [];
  const scanType = str(eoc.ScanType).trim();
  if (scanType !== 'QUICK_SCAN' && scanType !== 'FULL_SCAN') throw new EocParseError('ScanType invalid');
  return {
    attrs: { creator: attr(eoc, 'creator'), version: attr(eoc, 'version'), id: attr(eoc, 'id') },
    dataSource: { name: attr(ds, 'name'), id: attr(ds, 'id'), version: attr(ds, 'version') },
    scanType,
    remediate: str(eoc.RemediationAction).trim().toUpperCase() === 'REMEDIATE',
    threat: {
      category: attr(threat, 'category'),
      type: attr(threat, 'type'),
      severity: attr(threat, 'severity'),
      time: attr(threat, 'time'),
    },
    description: str(threat.Description),
    os: { id: attr(os, 'id'), name: attr(os, 'name'), version: attr(os, 'version'), patch: attr(os, 'patch') },
    files: files.map((f) => {
      const node = obj(f);
      const hash = obj(((node.Hash as unknown[] | undefined) ?? [])[0]);
      return {
        name: attr(node, 'name'),
        action: attr(node, 'action'),
        hashName: attr(hash, 'name'),
        hashValue: attr(hash, 'value'),
      };
    }),
  };
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface MatchOutcome {
  xml: string;
  /** planted files removed by a successful remediation */
  remediated: SimPlantedFile[];
}

function hashOf(file: SimPlantedFile, name: string): string {
  const n = name.toUpperCase();
  const v = n === 'SHA256' ? file.sha256 : n === 'SHA1' ? file.sha1 : n === 'MD5' ? file.md5 : undefined;
  return (v ?? '').toLowerCase();
}

function nameMatches(file: SimPlantedFile, name: string): boolean {
  const want = name.toLowerCase();
  const path = file.path.toLowerCase();
  if (/[\\/]/.test(want)) return path === want;
  const base = path.split(/[\\/]/).pop() ?? path;
  return base === want;
}

/** SEPM cannot remediate files under protected system folders; the simulator reports FAILED there. */
function remediationResult(file: SimPlantedFile): 'SUCCEEDED' | 'FAILED' {
  return /^[a-z]:\\windows\\/i.test(file.path) ? 'FAILED' : 'SUCCEEDED';
}

function matchedElements(req: EocRequest, f: EocFile, files: SimPlantedFile[], removed: Set<SimPlantedFile>): string[] {
  const out: string[] = [];
  const hash = f.hashValue.trim().toLowerCase();
  if (hash) {
    for (const file of files.filter((p) => hashOf(p, f.hashName) === hash)) {
      const rem = req.remediate ? remediationResult(file) : null;
      if (rem === 'SUCCEEDED') removed.add(file);
      const remAttr = rem ? ` remediation="${rem}"` : '';
      out.push(
        `<Matched result="HASH_MATCH" value="${escapeXml(file.path)}"${remAttr} hashType="${escapeXml(f.hashName.toUpperCase())}"/>`,
      );
    }
  } else if (f.name.trim()) {
    for (const file of files.filter((p) => nameMatches(p, f.name.trim()))) {
      const remAttr = req.remediate ? ' remediation="UNSUPPORTED"' : '';
      out.push(
        `<Matched result="FULL_MATCH" value="${escapeXml(file.path)}"${remAttr} hashType="SHA256" hashValue="${file.sha256.toLowerCase()}"/>`,
      );
    }
  }
  return out.length > 0 ? out : ['<Matched result="NO_MATCH"/>'];
}

export function renderResult(req: EocRequest, files: SimPlantedFile[]): MatchOutcome {
  const removed = new Set<SimPlantedFile>();
  const i4 = '    ';
  const fileXml = req.files.map((f) => {
    const lines = [`${i4.repeat(4)}<File name="${escapeXml(f.name)}" action="${escapeXml(f.action)}">`];
    if (f.hashValue.trim()) {
      lines.push(
        `${i4.repeat(5)}<Hash name="${escapeXml(f.hashName)}" value="${escapeXml(f.hashValue.trim().toLowerCase())}"/>`,
      );
    }
    const matched = matchedElements(req, f, files, removed).map((m) => `${i4.repeat(5)}${m}`);
    return [...lines, ...matched].join('\n') + '</File>';
  });
  const a = req.attrs;
  const ds = req.dataSource;
  const t = req.threat;
  const patch = req.os.patch ? ` patch="${escapeXml(req.os.patch)}"` : '';
  const xml = [
    `<EOC creator="${escapeXml(a.creator)}" version="${escapeXml(a.version)}" id="${escapeXml(a.id)}">`,
    `${i4}<DataSource name="${escapeXml(ds.name)}" id="${escapeXml(ds.id)}" version="${escapeXml(ds.version)}"/>`,
    `${i4}<ScanType>${req.scanType}</ScanType>`,
    ...(req.remediate ? [`${i4}<RemediationAction>REMEDIATE</RemediationAction>`] : []),
    `${i4}<Threat time="${escapeXml(t.time)}" severity="${escapeXml(t.severity)}" type="${escapeXml(t.type)}" category="${escapeXml(t.category)}">`,
    `${i4.repeat(2)}<Description>${escapeXml(req.description)}</Description>`,
    `${i4.repeat(2)}<URL></URL>`,
    `${i4.repeat(2)}<User></User>`,
    `${i4.repeat(2)}<Attacker>\n${i4.repeat(2)}</Attacker>`,
    `${i4.repeat(2)}<proxy ip=""/>`,
    `${i4.repeat(2)}<Application></Application>`,
    `${i4}</Threat>`,
    `${i4}<Activity>`,
    `${i4.repeat(2)}<OS id="${escapeXml(req.os.id)}" name="${escapeXml(req.os.name)}" version="${escapeXml(req.os.version)}"${patch}>`,
    `${i4.repeat(3)}<Process>\n${i4.repeat(3)}</Process>`,
    `${i4.repeat(3)}<Files>`,
    ...fileXml,
    `${i4.repeat(3)}</Files>`,
    `${i4.repeat(3)}<Registry>\n${i4.repeat(3)}</Registry>`,
    `${i4.repeat(3)}<Network/>`,
    `${i4.repeat(2)}</OS>`,
    `${i4}</Activity>`,
    '</EOC>',
  ].join('\n');
  return { xml, remediated: [...removed] };
}
