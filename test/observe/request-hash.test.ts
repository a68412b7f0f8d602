import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Hasher, RequestStats, Tracer, type TraceRecord } from '../../sim/index.ts';

/** Numbers that take every path of the hash: int32, larger integers, fractions, -0, NaN, infinities. */
const number = fc.oneof(
  fc.integer(),
  fc.nat(),
  fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: -(2 ** 31) - 1 }),
  fc.double(),
  fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 60, 0.5, 1e300),
);
const name = fc.oneof(fc.constantFrom('client', 'db', 'n1', 'a-much-longer-node-name'), fc.string({ maxLength: 20 }));

describe('the request record hash (Hasher.recordRequest)', () => {
  it('hashes exactly the words of the record object, on every path (numbers, names repeated or not, optional fields)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(number, name, number, fc.boolean(), number, fc.option(number, { nil: undefined }), fc.option(name, { nil: undefined })), { maxLength: 30 }),
        (rows) => {
          const viaObjects = new Hasher();
          const direct = new Hasher();
          for (const [time, node, id, ok, latencyUs, attempts, error] of rows) {
            const r: Record<string, unknown> = { time, kind: 'request', node, id, ok, latencyUs };
            if (attempts !== undefined) r.attempts = attempts;
            if (error !== undefined) r.error = error;
            viaObjects.record(r);
            expect(direct.recordRequest(time, node, id, ok, latencyUs, attempts, error)).toBe(true);
            expect(direct.digest()).toBe(viaObjects.digest());
          }
        },
      ),
      { numRuns: 300, seed: 25 },
    );
  });

  it('hashes nothing and says so when a field is not of its usual type', () => {
    const h = new Hasher();
    const before = h.digest();
    expect(h.recordRequest(1, 7, 1, true, 5, undefined, undefined)).toBe(false);
    expect(h.recordRequest(1, 'client', 1, 1, 5, undefined, undefined)).toBe(false);
    expect(h.recordRequest(1, 'client', 1, true, '5', undefined, undefined)).toBe(false);
    expect(h.recordRequest(1, 'client', 1, true, 5, null, undefined)).toBe(false);
    expect(h.recordRequest(1, 'client', 1, false, 5, undefined, { kind: 'x' })).toBe(false);
    expect(h.digest()).toBe(before);
  });

  it('RequestStats hashes its requests the same at every trace level, odd field types included', () => {
    const hashes = new Set<string>();
    for (const level of ['off', 'summary', 'full'] as const) {
      const viaObjects = new Tracer({ level });
      const tracer = new Tracer({ level });
      const stats = new RequestStats(1_000_000, tracer);
      const rows: [number, boolean, number, string | undefined, string, number | undefined][] = [
        [10.5, true, 3.25, undefined, 'client', undefined],
        [20, false, 7, 'timeout', 'client', 2],
        [2 ** 40 + 0.5, true, 2 ** 33, undefined, 'edge', 1.5],
        [2 ** 41, false, -1, undefined, 'edge', 3],
      ];
      let id = 0;
      for (const [t, ok, lat, error, node, attempts] of rows) {
        stats.record(t, ok, lat, error, node, attempts);
        const r: Record<string, unknown> = { time: t, kind: 'request', node, id: ++id, ok, latencyUs: lat };
        if (attempts !== undefined) r.attempts = attempts;
        if (!ok) r.error = error ?? 'error';
        viaObjects.emit(r as TraceRecord);
      }
      // a node that is not a string: hashed the general way
      (stats.record as (...a: unknown[]) => void)(30, true, 1, undefined, 42);
      viaObjects.emit({ time: 30, kind: 'request', node: 42, id: ++id, ok: true, latencyUs: 1 } as unknown as TraceRecord);
      expect(tracer.hash).toBe(viaObjects.hash);
      expect(tracer.emitted).toBe(viaObjects.emitted);
      hashes.add(tracer.hash);
    }
    expect(hashes.size).toBe(1);
  });
});
