/**
 * One side of the sweep benchmark (bench/sweep.ts): a process (V8 flags as bench/sweep.ts
 * chooses) holding one warm pool, running the
 * chunks of seeds it is sent and answering with the wall time and the report of each.
 */
import { runSweep } from '../sim/cli/sweep-command.ts';
import { WorkerPool } from '../sim/run/pool.ts';

const [scenario, workersText, paramsJson] = process.argv.slice(2);
const workers = Number(workersText);
const params = paramsJson ? (JSON.parse(paramsJson) as Record<string, number>) : undefined;
const pool = new WorkerPool({ workers });

process.on('message', async (m: { seeds: string } | { close: true }) => {
  if ('close' in m) {
    await pool.close();
    process.disconnect();
    return;
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await runSweep({ scenarioRef: scenario!, seeds: m.seeds, params, pool });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  // CPU time of the whole process: its workers, their GC threads and the main thread
  process.send!({ ms, cpuMs: (cpu.user + cpu.system) / 1000, report });
});
process.send!({ ready: true });
