import { z } from 'zod';

/**
 * Field building blocks of the SEP function input schemas (docs/reference/sep-functions.md §1 Conventions): strings trimmed, "none" (any
 * case) = no value, ID lists from an array or a comma/whitespace string with empty items dropped and duplicates
 * removed, hashes validated by length and hex.
 */

export function noneToUndefined(value: string): string | undefined {
  const t = value.trim();
  return t === '' || t.toLowerCase() === 'none' ? undefined : t;
}

/** Split, trim, drop empty/"none" items, dedupe (first occurrence wins). */
export function normaliseIdList(value: string | readonly string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  const parts = (typeof value === 'string' ? [value] : value).flatMap((v) => v.split(/[\s,]+/));
  const out: string[] = [];
  for (const p of parts) {
    const v = noneToUndefined(p);
    if (v !== undefined && !out.includes(v)) out.push(v);
  }
  return out;
}

export const idList = z
  .union([z.string(), z.array(z.string()), z.null()])
  .optional()
  .transform((v) => normaliseIdList(v));

/**
 * SEPM object ids (computer, group, hardware key: 32 hex digits). SEPM ignores their case; we send them upper-cased
 * so the containment gate and SEPM see the same value.
 */
export const sepmIdList = idList.transform((list) => list.map((id) => id.toUpperCase()));

/** Optional free text: trimmed, "" and "none" → undefined. */
export const optText = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined ? undefined : noneToUndefined(v)));

/** Required text: trimmed, must be non-empty and not "none". */
export const reqText = z
  .string()
  .transform((v) => noneToUndefined(v))
  .refine((v) => v !== undefined, { message: 'required (empty or "none" given)' })
  .transform((v) => v as string);

/** One required SEPM object id, upper-cased (see sepmIdList). */
export const sepmId = reqText.transform((v) => v.toUpperCase());

export const optBool = z
  .union([z.boolean(), z.enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE'])])
  .optional()
  .transform((v) => (typeof v === 'string' ? v.toLowerCase() === 'true' : (v ?? false)));

export const optPositiveInt = z
  .union([z.number().int().min(1), z.string().regex(/^\s*\d+\s*$/, 'a positive integer')])
  .optional()
  .transform((v) => (v === undefined ? undefined : Number(v)))
  .refine((v) => v === undefined || v >= 1, { message: 'must be ≥ 1' });

export const order = z
  .enum(['ASC', 'DESC', 'asc', 'desc'])
  .optional()
  .transform((v) => v?.toUpperCase() as 'ASC' | 'DESC' | undefined);

export const HASH_LENGTHS = { MD5: 32, SHA1: 40, SHA256: 64 } as const;
export type HashType = keyof typeof HASH_LENGTHS;

/** Hash type by length, or undefined when the value is not a 32/40/64-digit hex string. */
export function hashTypeOf(value: string): HashType | undefined {
  if (!/^[0-9a-fA-F]+$/.test(value)) return undefined;
  if (value.length === 32) return 'MD5';
  if (value.length === 40) return 'SHA1';
  if (value.length === 64) return 'SHA256';
  return undefined;
}

export function optHash(type: HashType) {
  return optText.refine((v) => v === undefined || hashTypeOf(v) === type, {
    message: `must be ${HASH_LENGTHS[type]} hex digits (${type})`,
  });
}

/** One MD5 or SHA-256 hash for a fingerprint list, upper-cased (SHA-1 is not valid for lists). */
export const listHash = reqText
  .refine((v) => hashTypeOf(v) === 'MD5' || hashTypeOf(v) === 'SHA256', {
    message: 'must be an MD5 (32 hex) or SHA-256 (64 hex) hash; SHA-1 is not accepted by fingerprint lists',
  })
  .transform((v) => v.toUpperCase());

export const listHashes = idList
  .superRefine((list, ctx) => {
    for (const h of list) {
      const t = hashTypeOf(h);
      if (t !== 'MD5' && t !== 'SHA256') {
        ctx.addIssue({
          code: 'custom',
          message: `'${h}' is not an MD5 (32 hex) or SHA-256 (64 hex) hash (SHA-1 is not accepted by fingerprint lists)`,
        });
      }
    }
  })
  .transform((list) => list.map((h) => h.toUpperCase()));

/** Whether a (possibly not yet normalised) field carries a value; object checks also run on partial input. */
export function present(v: unknown): boolean {
  if (typeof v === 'string') return normaliseIdList(v).length > 0;
  if (Array.isArray(v)) return normaliseIdList(v.filter((x): x is string => typeof x === 'string')).length > 0;
  return v !== undefined && v !== null;
}

/** Object-level checks run even when a field already failed, so every problem is listed at once. */
export const EVEN_WITH_FIELD_ERRORS = {
  when: (p: { value: unknown }) => typeof p.value === 'object' && p.value !== null,
};

export function atLeastOne<T extends Record<string, unknown>>(keys: (keyof T & string)[]) {
  return (value: T, ctx: z.RefinementCtx) => {
    if (!keys.some((k) => present(value[k]))) {
      ctx.addIssue({ code: 'custom', message: `at least one of ${keys.join(', ')} is required`, path: [] });
    }
  };
}
