/**
 * A throw in a scenario's own code (`build`, a handler, a workload's `onOutcome`, a timer, its
 * `metrics()`), reported for the person who wrote it: which scenario, variant and seed, when in
 * simulated time, and the frames of their own code, without faultline's internals.
 *
 *   faultline: checkout (variant naive, seed 1) threw at simulated time 5.002s: TypeError: Cannot read properties of undefined (reading 'ok')
 *       at handler (examples/checkout.ts:21:30)
 *
 * A mistake caught by faultline's own validation (an unknown key, a value out of range) stays an
 * `InputError` (exit code 2), with the scenario named and the line of the user's code it came
 * from; any other throw is a `ScenarioError` (exit code 1).
 */
import { BudgetExceededError, InputError, SimulationError } from '../kernel/errors.ts';
import type { Seed } from '../kernel/random.ts';
import { formatDuration } from '../kernel/time.ts';

/**
 * Where faultline's own code lives: `sim/` (or the build's `dist/sim/`) and the command in `bin/`.
 * In a browser bundle there is no module URL, and nothing to filter.
 */
const [OWN_SIM, OWN_BIN] = ((): [string, string] => {
  const here = typeof import.meta.url === 'string' ? import.meta.url : '';
  if (!here.startsWith('file:')) return ['\0', '\0'];
  const sim = new URL('../', here);
  return [sim.pathname, new URL(sim.pathname.endsWith('/dist/sim/') ? '../../bin/' : '../bin/', sim).pathname];
})();

/**
 * The frames of `stack` that belong to the user's code: not faultline's (`sim/`), not Node's
 * internals and not a dependency's. Each is `function (path:line:column)` or `path:line:column`.
 */
export function userFrames(stack: string | undefined): string[] {
  if (!stack) return [];
  const out: string[] = [];
  for (const line of stack.split('\n')) {
    const m = /^\s+at (.*)$/.exec(line);
    if (!m) continue;
    const frame = m[1]!;
    const path = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):\d+:\d+\)?$/.exec(frame)?.[1]?.replace(/^file:\/\//, '');
    if (path === undefined) continue;
    if (path.startsWith(OWN_SIM) || path.startsWith(OWN_BIN) || path.includes('/node_modules/') || frame.includes('node:')) continue;
    out.push(frame.replace(/^async /, '').replace(/^Object\./, '').replace(/file:\/\//, ''));
  }
  return out;
}

/** Where a run was when user code threw. */
export interface RunPlace {
  scenario: string;
  variant: string;
  seed: Seed;
  /** Simulated time (µs), or null while building. */
  simTimeUs: number | null;
  /** What ran: "build", "metrics()", "check x". */
  phase: string;
}

function placeText(p: RunPlace): string {
  return `${p.scenario} (variant ${p.variant}, seed ${p.seed})`;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name === 'Error' ? 'Error' : err.name}: ${err.message}`;
  return `a non-Error value: ${String(err)}`;
}

/**
 * A throw in a scenario's own code (`build`, a handler, a callback, a timer), reported for its
 * author: the scenario, variant, seed and simulated time, and the frames of their own code
 * without faultline's (exit code 1).
 */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    message: string,
    readonly place: RunPlace,
    /** The user's frames, innermost first (absolute paths). */
    readonly frames: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A validation error raised while a scenario built or ran, with the scenario and the user's line. */
export class ScenarioInputError extends InputError {
  constructor(
    message: string,
    readonly place: RunPlace,
    /** The user's innermost frame, if the error came from their code. */
    readonly location: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Turn what a scenario's code threw into the error to report: an `InputError` gets the scenario's
 * name and the user's line; a budget stays as it is; anything else becomes a `ScenarioError`.
 * A throw from the kernel's run loop arrives wrapped in a `SimulationError` (with its `cause`).
 */
export function scenarioFailure(err: unknown, place: RunPlace): Error {
  if (err instanceof ScenarioError || err instanceof ScenarioInputError || err instanceof BudgetExceededError) return err;
  let cause = err;
  let simTimeUs = place.simTimeUs;
  if (err instanceof SimulationError && err.cause !== undefined) {
    cause = err.cause;
    simTimeUs = err.simTimeUs;
  }
  const at: RunPlace = { ...place, simTimeUs };
  if (cause instanceof InputError) {
    const frames = userFrames(cause.stack);
    return new ScenarioInputError(`${placeText(at)}: ${cause.message}`, at, frames[0]);
  }
  if (cause instanceof BudgetExceededError) return cause;
  const frames = userFrames(cause instanceof Error ? cause.stack : undefined);
  const when = at.simTimeUs === null ? `in ${at.phase}` : `at simulated time ${formatDuration(at.simTimeUs)}${at.phase === 'run' ? '' : ` (in ${at.phase})`}`;
  const ours = frames.length === 0 ? ' — no frame of the scenario is on the stack: this looks like a bug in faultline; please report it with the replay command' : '';
  return new ScenarioError(`${placeText(at)} threw ${when}: ${errorText(cause)}${ours}`, at, frames, { cause });
}

/** A check's throw as its `detail`: the error and the user's line. */
export function checkThrew(err: unknown): string {
  const frame = userFrames(err instanceof Error ? err.stack : undefined)[0];
  return `check threw ${errorText(err)}${frame ? ` (at ${frame})` : ''}`;
}
