/**
 * Structural comparison of a simulator response with a real SEPM sample: same key sets (minus documented
 * drift), same JSON value types; a null in the sample accepts any value (the type is unknown from it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/sepm-api');

export function sample(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

export interface ShapeOptions {
  /** keys the sample has that the simulator may omit (e.g. 14.2-only or fn_sep-added keys) */
  ignoreSampleKeys?: (key: string, path: string) => boolean;
  /** keys the simulator may add (e.g. 14.3-only when compared with a 14.2 sample) */
  allowExtraKeys?: (key: string, path: string) => boolean;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function shapeDiff(expected: unknown, actual: unknown, opts: ShapeOptions = {}, path = '$'): string[] {
  if (expected === null) return [];
  const ek = kind(expected);
  const ak = kind(actual);
  if (ek !== ak) return [`${path}: expected ${ek}, got ${ak}`];
  if (ek === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length === 0 || a.length === 0) return [];
    // Each actual item must fit one of the sample's items (e.g. a pending or a completed command entry).
    return a.flatMap((item, i) => {
      const diffs = e.map((ex) => shapeDiff(ex, item, opts, `${path}[${i}]`));
      return diffs.some((d) => d.length === 0) ? [] : (diffs[0] ?? []);
    });
  }
  if (ek !== 'object') return [];
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(e)) {
    if (k.startsWith('_')) continue;
    if (!(k in a)) {
      if (!opts.ignoreSampleKeys?.(k, path)) out.push(`${path}.${k}: missing`);
      continue;
    }
    out.push(...shapeDiff(e[k], a[k], opts, `${path}.${k}`));
  }
  for (const k of Object.keys(a)) {
    if (!(k in e) && !opts.allowExtraKeys?.(k, path)) out.push(`${path}.${k}: not in sample`);
  }
  return out;
}

/** Keys fn_sep adds to SEPM bodies (integration_output samples) — not SEPM fields. */
export const FN_SEP_KEYS =
  /^(readable|timediff|total_|overall_command_state|scan_artifact_value|remediate_artifact_value|scan_result|endpoints_matching_ids)/;

/** 14.2-only lower-case duplicates of the os* fields. */
export const OS_142_ONLY = new Set([
  'osname',
  'osversion',
  'osmajor',
  'osminor',
  'osbitness',
  'osfunction',
  'oslanguage',
  'osservicePack',
  'osflavorNumber',
]);

/** Fields 14.3 added to the computer record (documented drift). */
export const COMPUTER_143_ONLY = new Set([
  'avDefsetRevision',
  'avDefsetSequence',
  'avDefsetVersion',
  'behavioralAnalysisDefsetVersion',
  'pskVersion',
  'quarantineCode',
  'quarantineStatus',
  'tdadGlobalDataDownloadTime',
  'tdadGlobalDataProcessingDoneTime',
  'tdadOnOff',
  'tdadStatusId',
  'wssStatus',
]);
