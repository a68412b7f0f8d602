/**
 * A parser for the subset of PromQL that faultline's alert rules use. Hand-written recursive
 * descent (one function per precedence level), following the grammar and precedence of the
 * Prometheus documentation (https://prometheus.io/docs/prometheus/latest/querying/basics/ and
 * …/operators/): a full PromQL parser would be a dependency of its own for a language whose
 * subset fits in this file, and every error here names its column.
 *
 * The subset:
 * - numbers (`0.05`, `1e3`, `Inf`, `NaN`) and instant vector selectors with label matchers
 *   (`faultline_requests_total{outcome="error", workload=~"web|api"}`: `=`, `!=`, `=~`, `!~`,
 *   regular expressions anchored at both ends, as in Prometheus);
 * - range vector selectors (`metric[30s]`; durations `ms s m h d w y`, combinable: `1m30s`);
 * - functions: `rate`, `increase`, `delta`, `avg_over_time`, `min_over_time`, `max_over_time`,
 *   `sum_over_time`, `count_over_time` (of a range vector), `histogram_quantile(φ, v)`, `abs`;
 * - aggregations `sum`, `avg`, `min`, `max`, `count`, with `by (…)` or `without (…)` before or
 *   after the parenthesised argument;
 * - binary operators, lowest precedence first: `or`; `and`, `unless`; `== != > < >= <=` (with
 *   `bool`); `+ -`; `* / %`; `^` (right-associative); unary `-`. Vector matching with
 *   `on (…)` / `ignoring (…)`; `group_left`/`group_right` are not part of the subset.
 */
import { didYouMean } from '../kernel/suggest.ts';

/** A parse error: what is wrong and the column (1-based) where. */
export class ExprError extends Error {
  constructor(
    readonly detail: string,
    readonly column: number,
  ) {
    super(`column ${column}: ${detail}`);
  }
}

/** A label matcher of a selector. */
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  /** The anchored regular expression of `=~` / `!~`. */
  re?: RegExp;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and' | 'or' | 'unless';
export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count';

/** A parsed expression (its `pos` is the 1-based column where it starts). */
export type Expr =
  | { type: 'number'; value: number; pos: number }
  | { type: 'selector'; name: string; matchers: Matcher[]; rangeUs?: number; pos: number }
  | { type: 'call'; fn: string; args: Expr[]; pos: number }
  | { type: 'aggregate'; op: AggregateOp; grouping: { mode: 'by' | 'without'; labels: string[] } | null; expr: Expr; pos: number }
  | { type: 'unary'; op: '-'; expr: Expr; pos: number }
  | { type: 'binary'; op: BinaryOp; bool: boolean; matching: { mode: 'on' | 'ignoring'; labels: string[] } | null; lhs: Expr; rhs: Expr; pos: number };

/** The type of an expression's value. */
export type ValueType = 'scalar' | 'vector' | 'matrix';

/** The functions of the subset: their argument types and what they return. */
export const FUNCTIONS: Readonly<Record<string, { args: readonly ValueType[]; returns: ValueType }>> = {
  rate: { args: ['matrix'], returns: 'vector' },
  increase: { args: ['matrix'], returns: 'vector' },
  delta: { args: ['matrix'], returns: 'vector' },
  avg_over_time: { args: ['matrix'], returns: 'vector' },
  min_over_time: { args: ['matrix'], returns: 'vector' },
  max_over_time: { args: ['matrix'], returns: 'vector' },
  sum_over_time: { args: ['matrix'], returns: 'vector' },
  count_over_time: { args: ['matrix'], returns: 'vector' },
  histogram_quantile: { args: ['scalar', 'vector'], returns: 'vector' },
  abs: { args: ['vector'], returns: 'vector' },
};

const AGGREGATES: readonly AggregateOp[] = ['sum', 'avg', 'min', 'max', 'count'];
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'bool', 'and', 'or', 'unless', 'offset', 'group_left', 'group_right']);

const UNIT_US: Record<string, number> = { ms: 1e3, s: 1e6, m: 60e6, h: 3600e6, d: 86_400e6, w: 604_800e6, y: 31_536_000e6 };
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * A Prometheus duration (`30s`, `5m`, `1h30m`, `500ms`; units y w d h m s ms, largest first, each
 * at most once) in µs, or null when `text` is not one.
 */
export function parsePromDuration(text: string): number | null {
  if (text === '' || text === '0') return text === '0' ? 0 : null;
  const m = DURATION_RE.exec(text);
  if (m === null) return null;
  const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  let us = 0;
  for (let i = 0; i < units.length; i++) if (m[i + 1] !== undefined) us += Number(m[i + 1]) * UNIT_US[units[i]!]!;
  return us;
}

/** µs as a Prometheus duration (`1m30s`, `500ms`). */
export function formatPromDuration(us: number): string {
  if (us === 0) return '0s';
  let rest = Math.round(us / 1000);
  let out = '';
  for (const [u, ms] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / ms);
    if (n > 0) out += `${n}${u}`;
    rest -= n * ms;
  }
  return out;
}

type Tok =
  | { t: 'num'; v: number; pos: number }
  | { t: 'id'; v: string; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'dur'; v: number; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'end'; pos: number };

const OPS = ['==', '!=', '>=', '<=', '=~', '!~', '>', '<', '=', '+', '-', '*', '/', '%', '^', '(', ')', '{', '}', ',', '[', ']'];

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const pos = i + 1;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (/[0-9.]/.test(c)) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
      if (m === null) throw new ExprError(`unexpected character ${JSON.stringify(c)}`, pos);
      out.push({ t: 'num', v: Number(m[0]), pos });
      i += m[0].length;
      continue;
    }
    if (/[a-zA-Z_:]/.test(c)) {
      const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0], pos });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && c !== '`' && j + 1 < src.length) {
          const e = src[j + 1]!;
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else {
          v += src[j];
          j++;
        }
      }
      if (j >= src.length) throw new ExprError('unterminated string', pos);
      out.push({ t: 'str', v, pos });
      i = j + 1;
      continue;
    }
    if (c === '[') {
      const close = src.indexOf(']', i);
      if (close < 0) throw new ExprError('unclosed [ of a range', pos);
      const text = src.slice(i + 1, close).trim();
      if (text.includes(':')) throw new ExprError(`subqueries ([${text}]) are not part of the subset`, pos);
      const us = parsePromDuration(text);
      if (us === null || us <= 0) throw new ExprError(`bad duration [${text}] (use units ms s m h d w y, largest first, such as [30s], [5m] or [1m30s])`, pos + 1);
      out.push({ t: 'dur', v: us, pos });
      i = close + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new ExprError(`unexpected character ${JSON.stringify(c)}`, pos);
    out.push({ t: 'op', v: op, pos });
    i += op.length;
  }
  out.push({ t: 'end', pos: src.length + 1 });
  return out;
}

/** Parse an expression of the subset and check its types; throws `ExprError` naming the column. */
export function parseExpr(src: string): Expr {
  if (typeof src !== 'string' || src.trim() === '') throw new ExprError('empty expression', 1);
  const p = new Parser(lex(src));
  const e = p.expr();
  p.expectEnd();
  typeOf(e);
  return e;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i]!;
  }
  private next(): Tok {
    return this.toks[this.i++]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t.t === 'id' && t.v === v;
  }
  private expectOp(v: string, what: string): void {
    const t = this.peek();
    if (!(t.t === 'op' && t.v === v)) throw new ExprError(`expected ${JSON.stringify(v)} ${what}, found ${describe(t)}`, t.pos);
    this.i++;
  }
  expectEnd(): void {
    const t = this.peek();
    if (t.t !== 'end') throw new ExprError(`unexpected ${describe(t)}`, t.pos);
  }

  expr(): Expr {
    return this.binary(0);
  }

  // precedence levels, lowest first
  private static readonly LEVELS: readonly (readonly string[])[] = [['or'], ['and', 'unless'], ['==', '!=', '>', '<', '>=', '<='], ['+', '-'], ['*', '/', '%'], ['^']];

  private binaryOpHere(level: number): string | null {
    const t = this.peek();
    const ops = Parser.LEVELS[level]!;
    if ((t.t === 'op' || t.t === 'id') && ops.includes(t.v)) return t.v;
    return null;
  }

  private binary(level: number): Expr {
    if (level >= Parser.LEVELS.length) return this.unary();
    let lhs = this.binary(level + 1);
    for (;;) {
      const op = this.binaryOpHere(level);
      if (op === null) return lhs;
      const opTok = this.next();
      let bool = false;
      if (this.isWord('bool')) {
        if (level !== 2) throw new ExprError('bool applies to comparison operators only', this.peek().pos);
        this.i++;
        bool = true;
      }
      let matching: { mode: 'on' | 'ignoring'; labels: string[] } | null = null;
      if (this.isWord('on') || this.isWord('ignoring')) {
        const mode = (this.next() as { v: string }).v as 'on' | 'ignoring';
        matching = { mode, labels: this.labelList(mode) };
      }
      if (this.isWord('group_left') || this.isWord('group_right')) {
        throw new ExprError(`${(this.peek() as { v: string }).v} (many-to-one matching) is not part of the subset`, this.peek().pos);
      }
      // ^ is right-associative: its right side parses at the same level
      const rhs = op === '^' ? this.binary(level) : this.binary(level + 1);
      lhs = { type: 'binary', op: op as BinaryOp, bool, matching, lhs, rhs, pos: opTok.pos };
      if (op === '^') return lhs;
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.t === 'op' && (t.v === '-' || t.v === '+')) {
      this.i++;
      const e = this.unary();
      if (t.v === '+') return e;
      if (e.type === 'number') return { ...e, value: -e.value, pos: t.pos };
      return { type: 'unary', op: '-', expr: e, pos: t.pos };
    }
    return this.postfix(this.primary());
  }

  private postfix(e: Expr): Expr {
    const t = this.peek();
    if (t.t === 'dur') {
      if (e.type !== 'selector' || e.rangeUs !== undefined) throw new ExprError('a range [..] follows a metric selector only', t.pos);
      this.i++;
      e = { ...e, rangeUs: t.v };
    }
    if (this.isWord('offset')) throw new ExprError('offset is not part of the subset', this.peek().pos);
    return e;
  }

  private primary(): Expr {
    const t = this.next();
    if (t.t === 'num') return { type: 'number', value: t.v, pos: t.pos };
    if (t.t === 'op' && t.v === '(') {
      const e = this.expr();
      this.expectOp(')', 'to close (');
      return e;
    }
    if (t.t === 'op' && t.v === '{') {
      this.i--;
      return this.selector('', t.pos);
    }
    if (t.t === 'id') {
      if (t.v === 'Inf' || t.v === 'inf') return { type: 'number', value: Infinity, pos: t.pos };
      if (t.v === 'NaN' || t.v === 'nan') return { type: 'number', value: NaN, pos: t.pos };
      if ((AGGREGATES as readonly string[]).includes(t.v) && (this.isOp('(') || this.isWord('by') || this.isWord('without'))) {
        return this.aggregate(t.v as AggregateOp, t.pos);
      }
      if (this.isOp('(')) return this.call(t.v, t.pos);
      if (KEYWORDS.has(t.v)) throw new ExprError(`unexpected keyword ${t.v}`, t.pos);
      return this.selector(t.v, t.pos);
    }
    throw new ExprError(`unexpected ${describe(t)}; expected a number, a metric, a function or (`, t.pos);
  }

  private call(fn: string, pos: number): Expr {
    if (!Object.prototype.hasOwnProperty.call(FUNCTIONS, fn)) {
      const known = [...Object.keys(FUNCTIONS), ...AGGREGATES];
      throw new ExprError(`unknown function "${fn}";${didYouMean(fn, known)} functions: ${known.join(', ')}`, pos);
    }
    this.expectOp('(', `after ${fn}`);
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        args.push(this.expr());
        if (this.isOp(',')) {
          this.i++;
          continue;
        }
        break;
      }
    }
    this.expectOp(')', `to close ${fn}(`);
    return { type: 'call', fn, args, pos };
  }

  private aggregate(op: AggregateOp, pos: number): Expr {
    let grouping: { mode: 'by' | 'without'; labels: string[] } | null = null;
    if (this.isWord('by') || this.isWord('without')) {
      const mode = (this.next() as { v: string }).v as 'by' | 'without';
      grouping = { mode, labels: this.labelList(mode) };
    }
    this.expectOp('(', `after ${op}`);
    const expr = this.expr();
    if (this.isOp(',')) throw new ExprError(`${op} takes one argument (parameters such as topk's are not part of the subset)`, this.peek().pos);
    this.expectOp(')', `to close ${op}(`);
    if (this.isWord('by') || this.isWord('without')) {
      if (grouping !== null) throw new ExprError(`${op}: give by/without once`, this.peek().pos);
      const mode = (this.next() as { v: string }).v as 'by' | 'without';
      grouping = { mode, labels: this.labelList(mode) };
    }
    return { type: 'aggregate', op, grouping, expr, pos };
  }

  private labelList(what: string): string[] {
    this.expectOp('(', `after ${what}`);
    const out: string[] = [];
    while (!this.isOp(')')) {
      const t = this.next();
      if (t.t !== 'id') throw new ExprError(`expected a label name in ${what} (…), found ${describe(t)}`, t.pos);
      out.push(t.v);
      if (this.isOp(',')) this.i++;
      else break;
    }
    this.expectOp(')', `to close ${what} (`);
    return out;
  }

  private selector(name: string, pos: number): Expr {
    const matchers: Matcher[] = [];
    if (this.isOp('{')) {
      this.i++;
      while (!this.isOp('}')) {
        const l = this.next();
        if (l.t !== 'id') throw new ExprError(`expected a label name, found ${describe(l)}`, l.pos);
        const o = this.next();
        if (!(o.t === 'op' && (o.v === '=' || o.v === '!=' || o.v === '=~' || o.v === '!~'))) {
          throw new ExprError(`expected =, !=, =~ or !~ after label ${l.v}, found ${describe(o)}`, o.pos);
        }
        const v = this.next();
        if (v.t !== 'str') throw new ExprError(`expected a quoted value for label ${l.v}, found ${describe(v)}`, v.pos);
        const m: Matcher = { label: l.v, op: o.v, value: v.v };
        if (o.v === '=~' || o.v === '!~') {
          try {
            m.re = new RegExp(`^(?:${v.v})$`);
          } catch {
            throw new ExprError(`bad regular expression ${JSON.stringify(v.v)} for label ${l.v}`, v.pos);
          }
        }
        matchers.push(m);
        if (this.isOp(',')) this.i++;
        else break;
      }
      this.expectOp('}', 'to close the label matchers');
    }
    if (name === '') {
      const nameMatcher = matchers.find((m) => m.label === '__name__' && m.op === '=');
      if (nameMatcher === undefined) throw new ExprError('a selector needs a metric name', pos);
      name = nameMatcher.value;
    }
    return { type: 'selector', name, matchers: matchers.filter((m) => m.label !== '__name__'), pos };
  }
}

function describe(t: Tok): string {
  switch (t.t) {
    case 'end':
      return 'the end of the expression';
    case 'num':
      return `number ${t.v}`;
    case 'str':
      return `string ${JSON.stringify(t.v)}`;
    case 'dur':
      return 'a range [..]';
    default:
      return JSON.stringify(t.v);
  }
}

/** The type of an expression's value, checking every function's and operator's operands. */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'number':
      return 'scalar';
    case 'selector':
      return e.rangeUs !== undefined ? 'matrix' : 'vector';
    case 'unary': {
      const t = typeOf(e.expr);
      if (t === 'matrix') throw new ExprError('unary - of a range vector; apply a function such as rate() first', e.pos);
      return t;
    }
    case 'aggregate': {
      const t = typeOf(e.expr);
      if (t !== 'vector') throw new ExprError(`${e.op}() expects an instant vector, got a ${t === 'matrix' ? 'range vector (apply rate(), increase() or *_over_time() first)' : 'scalar'}`, e.expr.pos);
      return 'vector';
    }
    case 'call': {
      const f = FUNCTIONS[e.fn]!;
      if (e.args.length !== f.args.length) {
        throw new ExprError(`${e.fn}() takes ${f.args.length} argument${f.args.length > 1 ? 's' : ''} (${f.args.join(', ')}), got ${e.args.length}`, e.pos);
      }
      e.args.forEach((a, i) => {
        const t = typeOf(a);
        const want = f.args[i]!;
        if (t !== want) {
          const hint = want === 'matrix' ? ` such as ${e.fn}(metric[1m])` : '';
          throw new ExprError(`${e.fn}() argument ${i + 1} must be a ${typeName(want)}${hint}, got a ${typeName(t)}`, a.pos);
        }
      });
      return f.returns;
    }
    case 'binary': {
      const l = typeOf(e.lhs);
      const r = typeOf(e.rhs);
      if (l === 'matrix' || r === 'matrix') throw new ExprError(`operator ${e.op} on a range vector; apply rate(), increase() or *_over_time() first`, e.pos);
      const setOp = e.op === 'and' || e.op === 'or' || e.op === 'unless';
      if (setOp && (l !== 'vector' || r !== 'vector')) throw new ExprError(`${e.op} works on two instant vectors`, e.pos);
      if (e.matching !== null && (l !== 'vector' || r !== 'vector')) throw new ExprError(`${e.matching.mode}(…) applies between two instant vectors`, e.pos);
      const comparison = ['==', '!=', '>', '<', '>=', '<='].includes(e.op);
      if (comparison && l === 'scalar' && r === 'scalar' && !e.bool) throw new ExprError('comparisons between two scalars need bool', e.pos);
      return l === 'scalar' && r === 'scalar' ? 'scalar' : 'vector';
    }
  }
}

function typeName(t: ValueType): string {
  return t === 'matrix' ? 'range vector' : t === 'vector' ? 'instant vector' : 'scalar';
}

/** The longest range window an expression reads (µs; 0 without a range). */
export function longestRangeUs(e: Expr): number {
  switch (e.type) {
    case 'number':
      return 0;
    case 'selector':
      return e.rangeUs ?? 0;
    case 'unary':
    case 'aggregate':
      return longestRangeUs(e.expr);
    case 'call':
      return Math.max(0, ...e.args.map(longestRangeUs));
    case 'binary':
      return Math.max(longestRangeUs(e.lhs), longestRangeUs(e.rhs));
  }
}
