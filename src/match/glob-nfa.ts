/**
 * Linear-time glob matching (no RegExp, no backtracking). A glob compiles to a list of steps, one NFA state per
 * step; matching keeps the set of live states while it walks the value once, so the cost is O(value length ×
 * pattern length) whatever the input. The regex it replaced (one `(?:.*\/)?` per `**\`) backtracked exponentially:
 * `**\**\**\**\update.exe` against a 1,990-folder path froze the process for more than 20 s.
 */

/** One step of a compiled glob. */
type Step =
  /** Exactly this (lower-cased) character. */
  | { kind: 'char'; char: string }
  /** Any one character; `sep` false = any but `/`. */
  | { kind: 'one'; sep: boolean }
  /** Any run of characters, also empty; `sep` false = the run contains no `/`. */
  | { kind: 'run'; sep: boolean }
  /** Nothing, or any run of characters that ends with `/` (the `**\` of a path glob). */
  | { kind: 'dirs' };

/** A compiled glob; `test` has the shape of RegExp#test so callers need not care which they hold. */
export interface GlobTester {
  readonly pattern: string;
  test(value: string): boolean;
}

/** Plain glob: `*` any run, `?` any one character; the separator means nothing. */
function plainSteps(pattern: string): Step[] {
  const steps: Step[] = [];
  const p = pattern.toLowerCase();
  // UTF-16 code units, as the value is walked (and as the regex without the u flag did).
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '*') steps.push({ kind: 'run', sep: true });
    else if (c === '?') steps.push({ kind: 'one', sep: true });
    else steps.push({ kind: 'char', char: c });
  }
  return steps;
}

/** Path glob over a value whose separators are `/`: `*`/`?` stay in a segment, `**` spans, `**\` may be empty. */
function pathSteps(pattern: string): Step[] {
  const p = pattern.replace(/\\/g, '/').toLowerCase();
  const steps: Step[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '*' && p[i + 1] === '*') {
      i++;
      if (p[i + 1] === '/') {
        i++;
        steps.push({ kind: 'dirs' });
      } else {
        steps.push({ kind: 'run', sep: true });
      }
    } else if (c === '*') {
      steps.push({ kind: 'run', sep: false });
    } else if (c === '?') {
      steps.push({ kind: 'one', sep: false });
    } else {
      steps.push({ kind: 'char', char: c });
    }
  }
  return steps;
}

/** Steps that may match nothing, so their state also lets the next one start (epsilon move). */
function skippable(step: Step): boolean {
  return step.kind === 'run' || step.kind === 'dirs';
}

/** Adds the epsilon closure in one forward pass (epsilon moves only go from a step to the next). */
function close(live: Uint8Array, steps: readonly Step[]): void {
  for (let k = 0; k < steps.length; k++) {
    if (live[k] && skippable(steps[k] as Step)) live[k + 1] = 1;
  }
}

/** Whole-value match of `value` (already lower-cased) by NFA simulation: O(value.length × steps.length). */
function run(steps: readonly Step[], value: string): boolean {
  const m = steps.length;
  let live = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  live[0] = 1;
  close(live, steps);
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    const isSep = c === '/';
    next.fill(0);
    let any = false;
    for (let k = 0; k < m; k++) {
      if (!live[k]) continue;
      const s = steps[k] as Step;
      if (s.kind === 'char') {
        if (s.char === c) next[k + 1] = 1;
      } else if (s.kind === 'one') {
        if (s.sep || !isSep) next[k + 1] = 1;
      } else if (s.kind === 'run') {
        if (s.sep || !isSep) next[k] = 1;
      } else {
        next[k] = 1;
        if (isSep) next[k + 1] = 1;
      }
      any = true;
    }
    if (!any) return false;
    close(next, steps);
    [live, next] = [next, live];
  }
  return live[m] === 1;
}

function tester(pattern: string, steps: readonly Step[]): GlobTester {
  return { pattern, test: (value: string) => run(steps, value.toLowerCase()) };
}

/** Path glob (see glob.ts) over a value whose separators were normalised to `/`; case-insensitive, whole value. */
export function compilePathGlob(pattern: string): GlobTester {
  return tester(pattern, pathSteps(pattern));
}

/** Plain glob: `*` any run of characters, `?` one character; case-insensitive, whole value. */
export function compilePlainGlob(pattern: string): GlobTester {
  return tester(pattern, plainSteps(pattern));
}
