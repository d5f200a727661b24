import { homedir, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { SEAL_FIELD } from '../jobs/seal.ts';

/**
 * What read-only views of jobs leave out: the automation seal (a copied seal is half of a replay), stack
 * traces, and absolute paths of this server. Error text (failedReason, job logs) is the server's own, so every
 * absolute POSIX path in it becomes its base name; job data and return values carry endpoint paths the analyst
 * needs (a Linux client's /home/…), so there only paths under this deployment's own directories are cut.
 */

/** Keys whose text comes from the server's errors: every absolute path in them is cut. */
const ERROR_TEXT_KEYS = new Set(['failedReason', 'deferredFailure', 'logs']);
/** Keys dropped from read-only views. */
const HIDDEN_KEYS = new Set([SEAL_FIELD]);

/**
 * An absolute POSIX path (at least two segments) or file:// URL, not inside a relative path or a URL (the
 * look-behind). Segments cannot contain '/', so every character is consumed at most once per start: linear.
 */
const ABS_PATH = /(?<![\w.~:/@-])(?:file:\/\/)?\/(?:[^\s'"`()<>:/\\]+\/)+[^\s'"`()<>:/\\]*/g;

function shorten(path: string): string {
  return basename(path) || '[path]';
}

/** Replaces every absolute path (or only those under `roots`) with its base name. */
export function scrubPaths(text: string, roots?: readonly string[]): string {
  return text.replace(ABS_PATH, (m) => {
    const path = m.startsWith('file://') ? m.slice('file://'.length) : m;
    if (roots && !roots.some((r) => path === r || path.startsWith(`${r}/`))) return m;
    return shorten(path);
  });
}

/** Directories of this deployment: working directory, install directory, temp and home, the mail spool. */
export function serverRoots(spoolDir?: string): string[] {
  const candidates = [process.cwd(), resolve(import.meta.dirname, '../..'), tmpdir(), homedir()];
  if (spoolDir) candidates.push(resolve(spoolDir), dirname(resolve(spoolDir)));
  // '/' (a container's working directory) would cut every path: a root needs at least one segment.
  const roots = candidates.filter((r) => isAbsolute(r) && r !== '/').map((r) => r.replace(/\/+$/, ''));
  return [...new Set(roots)];
}

function redactValue(value: unknown, roots: readonly string[], errorText: boolean): unknown {
  if (typeof value === 'string') return errorText ? scrubPaths(value) : scrubPaths(value, roots);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, roots, errorText));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (HIDDEN_KEYS.has(k)) continue;
    // Bull Board sends stack traces as an array of strings per attempt; a read-only view gets none.
    if (k === 'stacktrace') out[k] = Array.isArray(v) ? [] : null;
    else out[k] = redactValue(v, roots, errorText || ERROR_TEXT_KEYS.has(k));
  }
  return out;
}

/** A copy of a job (or any JSON holding jobs) fit for a read-only principal. */
export function redactForReadonly(value: unknown, roots: readonly string[]): unknown {
  return redactValue(value, roots, false);
}

/** A copy without the seal only (operators see stacks and paths). */
export function withoutSeal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSeal);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!HIDDEN_KEYS.has(k)) out[k] = withoutSeal(v);
  return out;
}
