import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import { comparisonTable, formatValue } from '../../sim/cli/format.ts';
import mmc from '../../scenarios/mmc-queue.ts';

describe('comparisonTable', () => {
  const results = mmc.variantNames.map((variant) => run(mmc, { seed: 1, variant, params: { customers: 2000 } }));

  it('puts variants in rows when the table fits the width', () => {
    const text = comparisonTable(mmc, results, 400);
    const header = text.split('\n')[2]!;
    expect(header.startsWith('variant')).toBe(true);
    expect(text).toMatch(/^mm1-rho-80 /m);
  });

  it('transposes (variants as columns, metrics and checks as rows) when it would be wider than the terminal', () => {
    const text = comparisonTable(mmc, results, 60);
    const header = text.split('\n')[2]!;
    expect(header).toMatch(/mm4-rho-80\s+mm1-rho-80/);
    expect(text).toMatch(/^waitMsMean\s/m);
    expect(text).toMatch(/^check littles-law\s+ok\s+ok/m);
  });

  it('formats missing values as a dash', () => {
    expect(formatValue(null)).toBe('-');
    expect(formatValue(undefined)).toBe('-');
    expect(formatValue(1234567)).toBe('1,234,567');
  });
});
