/**
 * When a run ends if its scenario does not say (`untilUs`): the safe default.
 *
 * - With workloads, the run ends when every workload has stopped sending and its last request has
 *   finished (drained). Background timers (load balancer health checks and outlier sweeps, failure
 *   detectors, autoscalers, samplers made with `every`) do not keep it alive. Requests that never
 *   finish cannot hold it forever either: the drain lasts at most the longest workload deadline,
 *   or 60 s for a workload without one.
 * - Without workloads, the run ends when no events remain; if background components were built
 *   (they would never let that happen), it ends 60 s after the last fault ends, or at 60 s.
 *
 * The way the run ended is reported in `RunArtifacts.ended` (from `runDetailed`) and in the summary the CLI prints.
 */
import type { Simulation } from '../kernel/sim.ts';

/** Simulated time for people, in seconds: "30.01s". */
function formatDuration(us: number): string {
  return `${+(us / 1e6).toFixed(3)}s`;
}

/** How long a run lasts after its workloads stop when requests are still in flight (no deadline). */
export const DRAIN_DEFAULT_US = 60_000_000;
/** Without workloads but with background timers: this long after the last fault ends. */
export const BACKGROUND_TAIL_US = 60_000_000;

/**
 * Why a run ended: `until` (at the `untilUs` build returned), `drained` (its workloads stopped and
 * nothing was in flight), `drain-budget` (requests still in flight when the drain budget ran
 * out), `no-events` (nothing left to simulate), `default-budget` (background timers only, stopped
 * `BACKGROUND_TAIL_US` after the last fault ends).
 */
export type EndReason = 'until' | 'drained' | 'drain-budget' | 'no-events' | 'default-budget';

/** How and when a run ended (`RunArtifacts.ended`, from `runDetailed`; the CLI prints `detail` unless the run stopped at its `untilUs`). */
export interface RunEnded {
  /** Which rule ended it. */
  reason: EndReason;
  /** One sentence saying when and why the run ended. */
  detail: string;
  /** When, in simulated µs. */
  atUs: number;
}

/** A workload's part in the run's end: its stop time, its deadline and the requests it has in flight. */
export class WorkloadEnd {
  inFlight = 0;
  ended = false;
  constructor(
    readonly end: RunEnd,
    readonly name: string,
    readonly untilUs: number,
    readonly deadlineUs: number,
  ) {}
  sent(): void {
    this.inFlight++;
  }
  finished(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.ended) this.end.check();
  }
}

export class RunEnd {
  readonly workloads: WorkloadEnd[] = [];
  /** What runs forever in the background ("load balancer web (health checks)", …). */
  readonly background: string[] = [];
  private armed = false;
  private result: RunEnded | null = null;
  private lastUntilUs = 0;
  private backgroundEndUs = Infinity;

  constructor(readonly sim: Simulation) {}

  workload(name: string, untilUs: number, deadlineUs: number): WorkloadEnd {
    const w = new WorkloadEnd(this, name, untilUs, deadlineUs);
    this.workloads.push(w);
    return w;
  }

  /** Note a component whose timers never stop by themselves. */
  backgroundComponent(what: string): void {
    if (!this.background.includes(what)) this.background.push(what);
  }

  /**
   * Decide how the run ends when the scenario does not say: returns the time to run until
   * (Infinity: until stopped or out of events). `lastFaultEndUs` is when the plan's last fault ends.
   */
  arm(lastFaultEndUs: number): number {
    this.armed = true;
    const sim = this.sim;
    if (this.workloads.length > 0) {
      for (const w of this.workloads) {
        sim.at(Math.max(sim.now, w.untilUs), (x: WorkloadEnd) => {
          x.ended = true;
          this.check();
        }, w);
      }
      this.lastUntilUs = Math.max(...this.workloads.map((w) => w.untilUs));
      const drainUs = Math.max(...this.workloads.map((w) => (w.deadlineUs === Infinity ? DRAIN_DEFAULT_US : w.deadlineUs)));
      const capUs = this.lastUntilUs + drainUs;
      sim.at(Math.max(sim.now, capUs), () => {
        if (this.result !== null) return;
        const inFlight = this.workloads.reduce((a, w) => a + w.inFlight, 0);
        const noDeadline = this.workloads.filter((w) => w.deadlineUs === Infinity).map((w) => w.name);
        this.finish('drain-budget',
          `ended ${formatDuration(drainUs)} after the workloads stopped (at ${formatDuration(capUs)}), with ${inFlight} request(s) still in flight` +
            (noDeadline.length ? ` (workload ${noDeadline.join(', ')} has no deadline; give it one, or return untilUs from build)` : ''),
        );
      }, null);
      return Infinity;
    }
    if (this.background.length > 0) {
      this.backgroundEndUs = lastFaultEndUs + BACKGROUND_TAIL_US;
      return this.backgroundEndUs;
    }
    return Infinity;
  }

  /** Stop the run if every workload has stopped and drained. */
  check(): void {
    if (!this.armed || this.result !== null) return;
    for (const w of this.workloads) if (!w.ended || w.inFlight > 0) return;
    const t = this.sim.now;
    this.finish(
      'drained',
      t === this.lastUntilUs
        ? `ended when its workloads stopped (${formatDuration(t)}), nothing in flight`
        : `ended when its workloads had stopped (${formatDuration(this.lastUntilUs)}) and drained (${formatDuration(t)})`,
    );
  }

  private finish(reason: EndReason, detail: string): void {
    this.result = { reason, detail, atUs: this.sim.now };
    this.sim.stop();
  }

  /** How the run ended, once it has (given what the runner saw). */
  ended(untilUs: number | undefined): RunEnded {
    const atUs = this.sim.now;
    if (untilUs !== undefined) return { reason: 'until', detail: `ended at ${formatDuration(untilUs)}, the untilUs build returned`, atUs };
    if (this.result !== null) return this.result;
    if (this.sim.now >= this.backgroundEndUs) {
      return {
        reason: 'default-budget',
        detail:
          `ended at the default end, ${formatDuration(BACKGROUND_TAIL_US)} after the last fault ends (${formatDuration(this.backgroundEndUs)}): ` +
          `${this.background.join(', ')} would keep it running forever; return { untilUs } from build, or drive it with a workload`,
        atUs,
      };
    }
    return { reason: 'no-events', detail: `ended when no events remained (${formatDuration(atUs)})`, atUs };
  }
}
