/**
 * Work done inside one event, counted against the run's events budget. A fault that flips a
 * million bits or corrupts a million blocks does it in one event; counting each unit as an event
 * makes such a loop stop at `eventsMax` as a run of that many events would, instead of running
 * unbounded inside the event.
 */
import { BudgetExceededError } from './errors.ts';
import type { Simulation } from './sim.ts';

/** Count `units` of work of the current event as that many events; throws when `eventsMax` is passed. */
export function chargeEvents(sim: Simulation, units: number): void {
  if (!(units > 0)) return;
  sim.events += Math.ceil(units);
  if (sim.events > sim.budgets.eventsMax) throw new BudgetExceededError('eventsMax', sim.budgets.eventsMax, sim.seed, sim.now);
}
