import { describe, expect, it } from 'vitest';
import { cpuQuotaOf, defaultWorkerCount } from '../../sim/run/pool.ts';

describe('the default number of sweep workers', () => {
  it("reads a cgroup's CPU quota (v2 cpu.max, v1 cfs quota and period); no quota is Infinity", () => {
    expect(cpuQuotaOf({ cpuMax: '200000 100000\n' })).toBe(2);
    expect(cpuQuotaOf({ cpuMax: '150000 100000' })).toBe(1.5);
    expect(cpuQuotaOf({ cpuMax: 'max 100000\n' })).toBe(Infinity);
    expect(cpuQuotaOf({ cfsQuotaUs: '50000\n', cfsPeriodUs: '100000\n' })).toBe(0.5);
    expect(cpuQuotaOf({ cfsQuotaUs: '-1\n', cfsPeriodUs: '100000\n' })).toBe(Infinity);
    expect(cpuQuotaOf({})).toBe(Infinity);
    expect(cpuQuotaOf({ cpuMax: 'garbage' })).toBe(Infinity);
  });

  it('is one per core, within the quota rounded down, and at least one', () => {
    expect(defaultWorkerCount(8, Infinity)).toBe(8);
    expect(defaultWorkerCount(64, 2)).toBe(2);
    expect(defaultWorkerCount(64, 2.5)).toBe(2);
    expect(defaultWorkerCount(4, 0.5)).toBe(1);
    expect(defaultWorkerCount(2, 16)).toBe(2);
  });
});
