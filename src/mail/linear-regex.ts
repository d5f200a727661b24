/**
 * A small linear-time regular-expression matcher (Thompson NFA / Pike VM) for patterns an operator writes in the
 * config and mail-derived text meets (`mail.filter.subjectPatterns` as `/…/flags`). JavaScript's RegExp
 * backtracks: `/(a+)+$/` against 30 letters of a subject takes seconds. Here every input character advances all
 * live states at once, so a test costs O(text length × program size) whatever the pattern.
 *
 * Supported: literals and escapes (`\d \w \s \D \W \S \b \B \n \t \xHH \uHHHH`, escaped punctuation), `.`,
 * classes `[a-z\d]` / `[^…]`, groups `(…)` `(?:…)` `(?<name>…)`, `|`, `* + ? {n} {n,} {n,m}` (lazy forms
 * match the same), `^ $`; flags `i m s u g`. Refused (compile error): backreferences, lookaround, other flags.
 */

import {
  isLineEnd,
  isWord,
  LinearRegexError,
  Parser,
  type Assertion,
  type CharTest,
  type Node,
} from './linear-regex-parse.ts';

export { LinearRegexError } from './linear-regex-parse.ts';

type Inst =
  | { op: 'char'; test: CharTest }
  | { op: 'assert'; kind: Assertion }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'match' };

/** Largest compiled program, instructions (bounds `{n,m}` expansion and so the cost per character). */
const MAX_PROGRAM = 5000;
function caseless(test: CharTest): CharTest {
  return (c) => test(c) || test(c.toLowerCase()) || test(c.toUpperCase());
}

function emit(node: Node, prog: Inst[], ignoreCase: boolean): void {
  if (prog.length > MAX_PROGRAM) throw new LinearRegexError('pattern too large');
  if (node.t === 'char') prog.push({ op: 'char', test: ignoreCase ? caseless(node.test) : node.test });
  else if (node.t === 'assert') prog.push({ op: 'assert', kind: node.kind });
  else if (node.t === 'cat') for (const n of node.items) emit(n, prog, ignoreCase);
  else if (node.t === 'alt') emitAlt(node.items, prog, ignoreCase);
  else emitRep(node, prog, ignoreCase);
}

function emitAlt(items: Node[], prog: Inst[], ignoreCase: boolean): void {
  const jumps: { op: 'jmp'; x: number }[] = [];
  items.forEach((item, k) => {
    const split: Inst = { op: 'split', x: prog.length + 1, y: 0 };
    const last = k === items.length - 1;
    if (!last) prog.push(split);
    emit(item, prog, ignoreCase);
    if (!last) {
      const j = { op: 'jmp' as const, x: 0 };
      jumps.push(j);
      prog.push(j);
      split.y = prog.length;
    }
  });
  for (const j of jumps) j.x = prog.length;
}

function emitRep(node: { node: Node; min: number; max: number }, prog: Inst[], ignoreCase: boolean): void {
  for (let k = 0; k < node.min; k++) emit(node.node, prog, ignoreCase);
  if (node.max === Infinity) {
    const split: Inst = { op: 'split', x: prog.length + 1, y: 0 };
    const loop = prog.length;
    prog.push(split);
    emit(node.node, prog, ignoreCase);
    prog.push({ op: 'jmp', x: loop });
    split.y = prog.length;
    return;
  }
  const splits: Extract<Inst, { op: 'split' }>[] = [];
  for (let k = node.min; k < node.max; k++) {
    const split = { op: 'split' as const, x: prog.length + 1, y: 0 };
    splits.push(split);
    prog.push(split);
    emit(node.node, prog, ignoreCase);
  }
  for (const s of splits) s.y = prog.length;
}

export interface LinearRegex {
  test(text: string): boolean;
}

/** Compiles `source` with `flags`; throws LinearRegexError for syntax this matcher does not run. */
export function compileLinearRegex(source: string, flags = ''): LinearRegex {
  if (!/^[gimsu]*$/.test(flags)) throw new LinearRegexError(`unsupported flags ${flags}`);
  const root = new Parser(source, flags.includes('s')).parse();
  const prog: Inst[] = [];
  emit(root, prog, flags.includes('i'));
  prog.push({ op: 'match' });
  if (prog.length > MAX_PROGRAM) throw new LinearRegexError('pattern too large');
  const multiline = flags.includes('m');
  return { test: (text) => run(prog, text, multiline) };
}

function holds(kind: Assertion, text: string, i: number, multiline: boolean): boolean {
  const prev = text[i - 1];
  const next = text[i];
  if (kind === 'bol') return i === 0 || (multiline && isLineEnd(prev as string));
  if (kind === 'eol') return i === text.length || (multiline && isLineEnd(next as string));
  const boundary = (prev !== undefined && isWord(prev)) !== (next !== undefined && isWord(next));
  return kind === 'wb' ? boundary : !boundary;
}

/** Pike VM: the live instruction set advances one character at a time; a start thread joins at every position. */
function run(prog: readonly Inst[], text: string, multiline: boolean): boolean {
  const mark = new Int32Array(prog.length).fill(-1);
  let current: number[] = [];
  let next: number[] = [];
  // Follows jumps, splits and assertions from pc at position i; returns true when match is reachable.
  const add = (list: number[], pc: number, i: number): boolean => {
    const stack = [pc];
    while (stack.length) {
      const p = stack.pop() as number;
      if (mark[p] === i) continue;
      mark[p] = i;
      const ins = prog[p] as Inst;
      if (ins.op === 'match') return true;
      if (ins.op === 'jmp') stack.push(ins.x);
      else if (ins.op === 'split') stack.push(ins.y, ins.x);
      else if (ins.op === 'assert') {
        if (holds(ins.kind, text, i, multiline)) stack.push(p + 1);
      } else list.push(p);
    }
    return false;
  };
  for (let i = 0; i <= text.length; i++) {
    if (add(current, 0, i)) return true;
    if (i === text.length) break;
    const c = text[i] as string;
    next.length = 0;
    for (const pc of current) {
      const ins = prog[pc] as Extract<Inst, { op: 'char' }>;
      if (ins.test(c) && add(next, pc + 1, i + 1)) return true;
    }
    [current, next] = [next, current];
  }
  return false;
}
