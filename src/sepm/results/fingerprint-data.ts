import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { hashTypeOf } from '../functions/schemas.ts';
import type { FingerprintList, FingerprintV2Entry } from '../functions/types.ts';

/**
 * Pure: the `data` set to write for Update Fingerprint List, in the list's own format (docs/reference/sepm-rest-api.md §10 Fingerprint lists).
 * v1 = flat upper-case hash strings of one type; v2 = `{MD5?, SHA256?}` objects, where existing pairs are kept
 * whole. Hashes compare case-insensitively.
 */

export interface FingerprintChange {
  /** The complete new set, or undefined for an add/remove delta. */
  hashes?: string[] | undefined;
  addHashes: string[];
  removeHashes: string[];
}

type Data = (string | FingerprintV2Entry)[];

function valuesOf(entry: string | FingerprintV2Entry): string[] {
  if (typeof entry === 'string') return [entry.toUpperCase()];
  return [entry.MD5, entry.SHA256].filter((v): v is string => typeof v === 'string').map((v) => v.toUpperCase());
}

function v2Entry(hash: string): FingerprintV2Entry {
  return hashTypeOf(hash) === 'SHA256' ? { SHA256: hash } : { MD5: hash };
}

function nextV1(current: FingerprintList, change: FingerprintChange): { data: string[]; hashType: string } {
  let data: string[];
  if (change.hashes !== undefined) {
    data = [...new Set(change.hashes.map((h) => h.toUpperCase()))];
  } else {
    const remove = new Set(change.removeHashes.map((h) => h.toUpperCase()));
    const kept = current.data.flatMap(valuesOf).filter((h) => !remove.has(h));
    data = [...new Set([...kept, ...change.addHashes.map((h) => h.toUpperCase())])];
  }
  const types = new Set(data.map((h) => hashTypeOf(h)));
  if (types.size > 1) {
    throw new AppError(
      ErrorCodes.SEPM_INPUT_INVALID,
      'a v1 fingerprint list holds one hash type: MD5 and SHA-256 mixed',
      {
        details: { problems: [{ path: 'hashes', message: 'MD5 and SHA-256 hashes mixed in a v1 list' }] },
      },
    );
  }
  const hashType = data.length > 0 ? (hashTypeOf(data[0] as string) as string) : (current.hashType ?? 'MD5');
  if (data.length > 0 && current.hashType && change.hashes === undefined && hashType !== current.hashType) {
    throw new AppError(ErrorCodes.SEPM_INPUT_INVALID, `this list holds ${current.hashType} hashes, not ${hashType}`, {
      details: { problems: [{ path: 'addHashes', message: `list type is ${current.hashType}` }] },
    });
  }
  return { data, hashType };
}

function nextV2(current: FingerprintList, change: FingerprintChange): Data {
  const existing = current.data;
  if (change.hashes !== undefined) {
    const wanted = new Set(change.hashes.map((h) => h.toUpperCase()));
    const out: Data = [];
    const covered = new Set<string>();
    for (const e of existing) {
      const vals = valuesOf(e);
      if (vals.some((v) => wanted.has(v))) {
        out.push(e);
        vals.forEach((v) => covered.add(v));
      }
    }
    for (const h of wanted) if (!covered.has(h)) out.push(v2Entry(h));
    return out;
  }
  const remove = new Set(change.removeHashes.map((h) => h.toUpperCase()));
  const out = existing.filter((e) => !valuesOf(e).some((v) => remove.has(v)));
  const present = new Set(out.flatMap(valuesOf));
  for (const h of change.addHashes.map((x) => x.toUpperCase())) {
    if (!present.has(h)) {
      out.push(v2Entry(h));
      present.add(h);
    }
  }
  return out;
}

export function nextFingerprintData(
  current: FingerprintList,
  isV2: boolean,
  change: FingerprintChange,
): { data: Data; hashType?: string } {
  const list = { ...current, data: Array.isArray(current.data) ? current.data : [] };
  return isV2 ? { data: nextV2(list, change) } : nextV1(list, change);
}
