/**
 * Errors that speak to the user. `InputError` is bad input (exit code 2 at the CLI);
 * `BudgetExceededError` is a run that hit one of its deterministic budgets; `SimulationError`
 * wraps an exception thrown inside a simulated world with the seed and the simulated time.
 */

/** Bad input (a spec, an option, a plan, a command line): its message names what, where, and what is valid; exit code 2 at the CLI. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export type BudgetName = 'eventsMax' | 'simTimeMax' | 'liveEventsMax' | 'processesMax';

/**
 * A run hit one of its deterministic budgets (`Budgets`); the message names the budget, its
 * limit, the seed and the simulated time, and how to raise it (`--budget name=N`).
 */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';
  constructor(
    readonly budget: BudgetName,
    readonly limit: number,
    readonly seed: string | number,
    readonly simTimeUs: number,
  ) {
    super(
      `run budget ${budget}=${limit} exceeded at simulated time ${(simTimeUs / 1000).toFixed(3)} ms (seed ${seed}); ` +
        `raise it with --budget ${budget}=N if the run is meant to be this long`,
    );
  }
}

/** An exception thrown inside a simulated world, wrapped with the run's seed and the simulated time (in its message). */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
  constructor(
    message: string,
    readonly seed: string | number,
    readonly simTimeUs: number,
    options?: { cause?: unknown },
  ) {
    super(`${message} (seed ${seed}, simulated time ${(simTimeUs / 1000).toFixed(3)} ms)`, options);
  }
}

/** An assertion that stays on in production: safety before performance. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
