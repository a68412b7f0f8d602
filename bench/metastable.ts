/**
 * The `metastable-retry` scenario (stability-sim's example of the same name on faultline's public
 * API): client requests per wall second at 600 s simulated, in process, and the whole-process
 * `faultline run metastable-retry` (60 s simulated, its default) against `node -e 0`. With
 * `--stability-sim PATH` (a checkout of https://github.com/marcbrooker/stability-sim with its
 * dependencies installed) it also runs stability-sim's own engine on its example, alternating
 * with faultline repetition by repetition, and prints the ratio. stability-sim is not a
 * dependency: without the flag the ratio is not measured, and the output says so.
 *
 *   npx tsx bench/metastable.ts [--reps N] [--stability-sim PATH]
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { run } from '../sim/index.ts';
import scenario from '../scenarios/metastable-retry.ts';
import { loadText, processMs, staleBuild, type StartupRow } from './startup.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const RATE_PER_SEC = 70;
const LONG_S = 600;

function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function fmtK(n: number): string {
  return n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}

/** Client requests per wall second of faultline's model over `seconds` simulated (the default, metastable variant). */
function faultlineOnce(seconds: number, seed: number): number {
  const t0 = performance.now();
  const r = run(scenario, { seed, params: { durationMs: seconds * 1000 } });
  const wallS = (performance.now() - t0) / 1000;
  return r.metrics.requests / wallS;
}

type StabilitySimRunner = (seconds: number) => number;

/**
 * stability-sim's example `metastable-retry`, built as its Web Worker builds it (components,
 * engine, failure injector, the clients' first events) and run to `seconds` without pacing.
 * Requests: its client's open-loop rate times the simulated time (it does not count them).
 */
async function loadStabilitySim(dir: string): Promise<StabilitySimRunner> {
  const src = (p: string) => pathToFileURL(join(dir, 'src', p)).href;
  const [{ EXAMPLES }, { SimulationEngine }, { FailureInjector }, client, server, queue, lb] = await Promise.all([
    import(src('examples/index.ts')),
    import(src('engine/simulation-engine.ts')),
    import(src('engine/failure-injector.ts')),
    import(src('engine/components/client.ts')),
    import(src('engine/components/server.ts')),
    import(src('engine/components/queue.ts')),
    import(src('engine/components/load-balancer.ts')),
  ]);
  const example = (EXAMPLES as { id: string; architecture: any; simulationConfig: any }[]).find((e) => e.id === 'metastable-retry');
  if (!example) throw new Error(`${dir}: no example metastable-retry in src/examples/index.ts`);
  const classes: Record<string, new (id: string, cfg: any) => any> = { client: client.Client, server: server.Server, queue: queue.Queue, 'load-balancer': lb.LoadBalancer };
  return (seconds) => {
    const components = example.architecture.components.map((d: { id: string; config: { type: string } }) => {
      const { type, ...cfg } = d.config;
      const C = classes[type];
      if (!C) throw new Error(`stability-sim example: component type ${type} not handled by this benchmark`);
      return new C(d.id, cfg);
    });
    const config = { ...example.simulationConfig, endTime: seconds };
    const t0 = performance.now();
    const engine = new SimulationEngine(components, example.architecture.connections, config);
    const injector = new FailureInjector();
    engine.setFailureInjector(injector);
    injector.scheduleFailures(config.failureScenarios, (e: unknown) => engine.scheduleEvent(e));
    const context = {
      currentTime: 0,
      scheduleEvent: (e: unknown) => engine.scheduleEvent(e),
      getComponent: (id: string) => components.find((c: { id: string }) => c.id === id),
      getDownstream: (id: string) => example.architecture.connections.filter((c: { sourceId: string }) => c.sourceId === id).map((c: { targetId: string }) => c.targetId),
      random: () => engine.getRng().random(),
      recordMetric: (id: string, name: string, value: number, time: number) => engine.getMetrics().record(id, name, value, time),
    };
    for (const c of components) if (c instanceof client.Client) for (const e of c.generateInitialEvents(context)) engine.scheduleEvent(e);
    engine.run();
    const wallS = (performance.now() - t0) / 1000;
    return (RATE_PER_SEC * seconds) / wallS;
  };
}

export async function benchMetastable(opts: { reps?: number; stabilitySim?: string } = {}): Promise<{ rows: StartupRow[] }> {
  const reps = Math.max(5, opts.reps ?? 5);
  const rows: StartupRow[] = [];
  let other: StabilitySimRunner | null = null;
  let why = 'stability-sim ratio not measured: give --stability-sim PATH to a checkout (with its npm dependencies installed)';
  if (opts.stabilitySim !== undefined) {
    const dir = resolve(opts.stabilitySim);
    if (!existsSync(join(dir, 'src', 'examples', 'index.ts'))) why = `stability-sim ratio not measured: ${dir} holds no src/examples/index.ts`;
    else other = await loadStabilitySim(dir);
  }
  // one warm-up run of each (JIT), then alternating repetitions
  faultlineOnce(LONG_S, 1000);
  other?.(LONG_S);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < reps; i++) {
    ours.push(faultlineOnce(LONG_S, i + 1));
    if (other) theirs.push(other(LONG_S));
  }
  const perSec = median(ours);
  const target = 300_000;
  rows.push({
    workload: `metastable-retry model, ${LONG_S} s simulated, in process`,
    unit: 'client requests/s',
    ours: perSec,
    note: `${fmtK(perSec)}/s; target ≥ ${fmtK(target)}/s ${perSec >= target ? '✓' : '✗'}; ${other ? `stability-sim ${fmtK(median(theirs))}/s: ${(perSec / median(theirs)).toFixed(1)}× ` : why}`,
  });

  // whole process at the default 60 s simulated, alternating with node's bare start-up
  const stale = staleBuild();
  if (stale) console.log(`metastable: ${stale}; the whole-process figure times the sources under tsx`);
  const cli = join(root, 'bin', 'faultline.mjs');
  processMs([cli, 'run', 'metastable-retry']);
  const wall: number[] = [];
  const ratio: number[] = [];
  for (let i = 0; i < reps; i++) {
    const n = processMs(['-e', '0']);
    const t = processMs([cli, 'run', 'metastable-retry']);
    wall.push(t);
    ratio.push(t / n);
  }
  const ms = median(wall);
  rows.push({
    workload: 'whole process: faultline run metastable-retry (60 s simulated)',
    unit: 'ms',
    ours: ms,
    note: `target ≤ 250 ms ${ms <= 250 ? '✓' : '✗'} (${median(ratio).toFixed(2)}× node -e 0; ${loadText()})`,
  });
  return { rows };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = (f: string) => (process.argv.includes(f) ? process.argv[process.argv.indexOf(f) + 1] : undefined);
  const { rows } = await benchMetastable({ reps: Number(flag('--reps')) || 5, stabilitySim: flag('--stability-sim') });
  for (const r of rows) console.log(`${r.workload.padEnd(66)} ${r.unit === 'ms' ? r.ours.toFixed(0) : fmtK(r.ours)} ${r.unit}  ${r.note}`);
}
