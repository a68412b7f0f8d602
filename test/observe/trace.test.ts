import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tracer, hashValue, type TraceRecord } from '../../sim/index.ts';

const value = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 3 }),
);

describe('trace hash', () => {
  it('a RecordEmitter hashes exactly as emitting the record object, at every level', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), value, value, value, value, value, value), { maxLength: 30 }), (rows) => {
        const fields = ['node', 'id', 'ok', 'latencyUs', 'attempts', 'error'];
        const hashes = new Set<string>();
        for (const level of ['off', 'summary', 'full'] as const) {
          const viaObjects = new Tracer({ level });
          const viaEmitter = new Tracer({ level });
          const emitter = viaEmitter.recordEmitter('request', fields);
          for (const [time, ...vs] of rows) {
            const r: Record<string, unknown> = { time, kind: 'request' };
            vs.forEach((v, i) => {
              if (v !== undefined) r[fields[i]!] = v;
            });
            viaObjects.emit(r as TraceRecord);
            emitter.emit(time, ...vs);
          }
          expect(viaEmitter.hash).toBe(viaObjects.hash);
          expect(viaEmitter.emitted).toBe(viaObjects.emitted);
          expect(viaEmitter.records).toEqual(viaObjects.records);
          hashes.add(viaObjects.hash);
        }
        expect(hashes.size).toBe(1);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('a RecordEmitter hashes repeated names as emitting the objects does (names drawn from a small set)', () => {
    const name = fc.constantFrom('client', 'db', 'n1', 'n2', 'a-much-longer-node-name');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), name, name, fc.integer(), fc.boolean()), { maxLength: 40 }), (rows) => {
        const viaObjects = new Tracer({ level: 'off' });
        const viaEmitter = new Tracer({ level: 'off' });
        const emitter = viaEmitter.recordEmitter('request', ['node', 'error', 'id', 'ok']);
        for (const [time, a, b, id, ok] of rows) {
          viaObjects.emit({ time, kind: 'request', node: a, error: b, id, ok } as unknown as TraceRecord);
          emitter.emit(time, a, b, id, ok);
        }
        expect(viaEmitter.hash).toBe(viaObjects.hash);
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('the hash changes with any field, key or order', () => {
    const base = hashValue({ time: 1, kind: 'x', a: 1, b: 'y' });
    expect(hashValue({ time: 1, kind: 'x', a: 2, b: 'y' })).not.toBe(base);
    expect(hashValue({ time: 1, kind: 'x', a: 1, c: 'y' })).not.toBe(base);
    expect(hashValue({ time: 1, kind: 'x', b: 'y', a: 1 })).not.toBe(base);
    expect(hashValue({ time: 1, kind: 'x', a: '1', b: 'y' })).not.toBe(base);
    expect(hashValue({ time: 1, kind: 'x', a: 1, b: 'y' })).toBe(base);
  });
});
