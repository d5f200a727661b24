/** Parser of the linear-time regex subset (see linear-regex.ts) into a syntax tree of character tests. */

export type CharTest = (c: string) => boolean;
export type Assertion = 'bol' | 'eol' | 'wb' | 'nwb';
export type Node =
  | { t: 'char'; test: CharTest }
  | { t: 'assert'; kind: Assertion }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number };

/** Largest `{n,m}` count accepted. */
const MAX_COUNT = 1000;

export class LinearRegexError extends Error {}

const isDigit: CharTest = (c) => c >= '0' && c <= '9';
export const isWord: CharTest = (c) => /^[A-Za-z0-9_]$/.test(c);
const isSpace: CharTest = (c) => /^\s$/.test(c);
export const isLineEnd: CharTest = (c) => c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029';
const CLASS_ESCAPES: Record<string, CharTest> = {
  d: isDigit,
  D: (c) => !isDigit(c),
  w: isWord,
  W: (c) => !isWord(c),
  s: isSpace,
  S: (c) => !isSpace(c),
};
const CONTROL_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v', '0': '\0' };
const not =
  (f: CharTest): CharTest =>
  (c) =>
    !f(c);

export class Parser {
  private i = 0;
  private readonly src: string;
  private readonly dotAll: boolean;
  constructor(src: string, dotAll: boolean) {
    this.src = src;
    this.dotAll = dotAll;
  }

  parse(): Node {
    const node = this.alt();
    if (this.i < this.src.length) throw new LinearRegexError(`unmatched ) at ${this.i}`);
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private alt(): Node {
    const items = [this.cat()];
    while (this.peek() === '|') {
      this.i++;
      items.push(this.cat());
    }
    return items.length === 1 ? (items[0] as Node) : { t: 'alt', items };
  }

  private cat(): Node {
    const items: Node[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) items.push(this.repeat());
    return { t: 'cat', items };
  }

  private repeat(): Node {
    const node = this.atom();
    const q = this.quantifier();
    if (!q) return node;
    if (node.t === 'assert') throw new LinearRegexError('nothing to repeat');
    if (this.peek() === '?') this.i++; // lazy: same answer for test()
    if (this.quantifierAhead()) throw new LinearRegexError('nothing to repeat');
    return { t: 'rep', node, min: q.min, max: q.max };
  }

  private quantifierAhead(): boolean {
    const c = this.peek();
    return c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.i)));
  }

  private quantifier(): { min: number; max: number } | null {
    const c = this.peek();
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      return c === '*' ? { min: 0, max: Infinity } : c === '+' ? { min: 1, max: Infinity } : { min: 0, max: 1 };
    }
    const m = c === '{' ? /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i)) : null;
    if (!m) return null;
    this.i += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (min > MAX_COUNT || (max !== Infinity && max > MAX_COUNT) || max < min) {
      throw new LinearRegexError(`repeat count out of range in ${m[0]}`);
    }
    return { min, max };
  }

  private atom(): Node {
    const c = this.src[this.i++] as string;
    if (c === '(') return this.group();
    if (c === '[') return { t: 'char', test: this.charClass() };
    if (c === '.') return { t: 'char', test: this.dotAll ? () => true : not(isLineEnd) };
    if (c === '^') return { t: 'assert', kind: 'bol' };
    if (c === '$') return { t: 'assert', kind: 'eol' };
    if (c === '\\') return this.escapeAtom();
    if (c === '*' || c === '+' || c === '?') throw new LinearRegexError('nothing to repeat');
    return { t: 'char', test: (x) => x === c };
  }

  private group(): Node {
    if (this.src.startsWith('?:', this.i)) this.i += 2;
    else if (/^\?<[A-Za-z_$][\w$]*>/.test(this.src.slice(this.i))) this.i = this.src.indexOf('>', this.i) + 1;
    else if (this.peek() === '?') throw new LinearRegexError('lookaround is not supported');
    const node = this.alt();
    if (this.src[this.i++] !== ')') throw new LinearRegexError('unterminated group');
    return node;
  }

  private escapeAtom(): Node {
    const c = this.peek();
    if (c === 'b' || c === 'B') {
      this.i++;
      return { t: 'assert', kind: c === 'b' ? 'wb' : 'nwb' };
    }
    if (c !== undefined && /[1-9k]/.test(c)) throw new LinearRegexError('backreferences are not supported');
    return { t: 'char', test: this.escapeTest() };
  }

  /** The character test of the escape after a `\` (already consumed). */
  private escapeTest(): CharTest {
    const v = this.escapeValue();
    return typeof v === 'string' ? (x) => x === v : v;
  }

  /** A class escape (`\d`…) as its test, any other escape as the one character it stands for. */
  private escapeValue(): string | CharTest {
    const c = this.src[this.i++];
    if (c === undefined) throw new LinearRegexError('\\ at end of pattern');
    const cls = CLASS_ESCAPES[c];
    if (cls) return cls;
    const hex = c === 'x' ? /^[0-9a-fA-F]{2}/ : c === 'u' ? /^[0-9a-fA-F]{4}/ : null;
    const m = hex?.exec(this.src.slice(this.i));
    if (m) {
      this.i += m[0].length;
      return String.fromCharCode(parseInt(m[0], 16));
    }
    if (hex) throw new LinearRegexError(`unsupported escape \\${c}`);
    return CONTROL_ESCAPES[c] ?? c;
  }

  private charClass(): CharTest {
    const negate = this.peek() === '^';
    if (negate) this.i++;
    const tests: CharTest[] = [];
    while (this.peek() !== ']') {
      if (this.i >= this.src.length) throw new LinearRegexError('unterminated character class');
      const lo = this.classAtom();
      if (typeof lo === 'string' && this.peek() === '-' && this.src[this.i + 1] !== ']') {
        this.i++;
        const hi = this.classAtom();
        if (typeof hi !== 'string' || hi < lo) throw new LinearRegexError('bad range in character class');
        tests.push((x) => x >= lo && x <= hi);
      } else {
        tests.push(typeof lo === 'string' ? (x) => x === lo : lo);
      }
    }
    this.i++;
    const any: CharTest = (x) => tests.some((t) => t(x));
    return negate ? not(any) : any;
  }

  /** One class member: a literal character, or the test of a class escape such as `\d` (`\b` is backspace). */
  private classAtom(): string | CharTest {
    const c = this.src[this.i++] as string;
    if (c !== '\\') return c;
    if (this.peek() === 'b') {
      this.i++;
      return '\b';
    }
    return this.escapeValue();
  }
}
