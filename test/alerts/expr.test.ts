import { describe, expect, it } from 'vitest';
import { ExprError, parseExpr, parsePromDuration } from '../../sim/alerts/expr.ts';

const err = (src: string): string => {
  try {
    parseExpr(src);
  } catch (e) {
    if (e instanceof ExprError) return e.message;
    throw e;
  }
  throw new Error(`${src} parsed`);
};

describe('parseExpr (the PromQL subset of alert rules)', () => {
  it('parses with PromQL precedence: * before +, comparisons below arithmetic, ^ right-associative', () => {
    const e = parseExpr('a + b * c > 2 ^ 3 ^ 2');
    expect(e.type).toBe('binary');
    if (e.type !== 'binary') return;
    expect(e.op).toBe('>');
    expect(e.lhs.type === 'binary' && e.lhs.op).toBe('+');
    const rhs = e.rhs;
    expect(rhs.type === 'binary' && rhs.op === '^' && rhs.rhs.type === 'binary' && rhs.rhs.op).toBe('^');
  });

  it('reads selectors, ranges, aggregations with by() before or after, and bool', () => {
    const e = parseExpr('sum(rate(x_total{a="1", b=~"w.*"}[1m30s])) by (svc) > bool 0.5');
    expect(e.type === 'binary' && e.bool).toBe(true);
    if (e.type !== 'binary' || e.lhs.type !== 'aggregate') throw new Error('shape');
    expect(e.lhs.grouping).toEqual({ mode: 'by', labels: ['svc'] });
    const call = e.lhs.expr;
    expect(call.type === 'call' && call.args[0]!.type === 'selector' && call.args[0]!.rangeUs).toBe(90_000_000);
  });

  it('names an unknown function with a suggestion and the column', () => {
    expect(err('sum(rat(x[1m]))')).toMatch(/^column 5: unknown function "rat"; did you mean "rate"\?/);
  });

  it('refuses type errors: rate of an instant vector, sum of a range vector, a scalar alert', () => {
    expect(err('rate(x)')).toMatch(/rate\(\) argument 1 must be a range vector/);
    expect(err('sum(x[5m])')).toMatch(/expects an instant vector, got a range vector/);
    expect(err('histogram_quantile(0.9)')).toMatch(/takes 2 arguments/);
    expect(err('x[5m] > 1')).toMatch(/on a range vector/);
  });

  it('refuses bad durations and what the subset leaves out', () => {
    expect(err('rate(x[5x])')).toMatch(/bad duration \[5x\]/);
    expect(err('rate(x[1m:10s])')).toMatch(/subqueries/);
    expect(err('x offset 5m')).toMatch(/offset is not part of the subset/);
    expect(err('a / on(b) group_left c')).toMatch(/group_left/);
  });

  it('parsePromDuration reads Prometheus durations (largest unit first) and refuses others', () => {
    expect(parsePromDuration('1h30m')).toBe(5_400_000_000);
    expect(parsePromDuration('500ms')).toBe(500_000);
    expect(parsePromDuration('2w')).toBe(2 * 604_800e6);
    expect(parsePromDuration('30m1h')).toBeNull();
    expect(parsePromDuration('1.5s')).toBeNull();
  });
});
