import '../../sim/faults/kinds.ts';
import { parseFaultPlan } from '../../sim/faults/plan.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';
import { Simulation } from '../../sim/kernel/sim.ts';
import { Tracer, type TraceLevel, type TraceRecord } from '../../sim/observe/trace.ts';
import { createWorld, type WorldSpec } from '../../sim/world/index.ts';

/** A world built the way a scenario builds one, with a plan parsed the way the runner parses it. */
export function makeWorld(spec: WorldSpec, plan: unknown[] = [], o: { seed?: number | string; level?: TraceLevel } = {}) {
  const sim = new Simulation({ seed: o.seed ?? 1 });
  const random = new RandomStreams(o.seed ?? 1);
  const trace = new Tracer({ level: o.level ?? 'full' });
  const faults = parseFaultPlan(plan);
  const world = createWorld({ sim, random, trace, faults }, spec);
  return { sim, random, trace, world };
}

export function recordsOf<K extends TraceRecord['kind']>(trace: Tracer, kind: K): Extract<TraceRecord, { kind: K }>[] {
  return trace.records.filter((r) => r.kind === kind) as Extract<TraceRecord, { kind: K }>[];
}
