/**
 * The liveness check of locks: no worker waits for a lock longer than a bound, and when one does,
 * say why: the cycle in the wait-for graph (a deadlock), or the chain of holders it waits behind.
 *
 * This is what a stuck-thread detector does (WebLogic's StuckThreadMaxTime, a JVM's
 * `ThreadMXBean.findDeadlockedThreads`, InnoDB's deadlock detector reading its wait-for graph):
 * it reads the lock tables of the run (`lockTablesOf(registry)`) at its end. A waiter that has
 * waited at least `bound` is stuck; the first stuck waiter on a cycle names the deadlock.
 */
import { parseDuration, formatDuration, type Duration } from '../kernel/time.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { CheckOutcome } from '../run/scenario.ts';
import { describeCycle, describeStuck, findWaitCycle, lockTablesOf, type StuckWaiter, type WaitEdge } from '../world/locks.ts';

/** What `checkNoStuckWaiters` reads of a finished run (a check's context has both). */
export interface StuckCheckContext {
  readonly registry: Metrics;
  readonly simTimeUs: number;
}

/** The result: the outcome, the stuck waiters (oldest first) and the deadlock cycle, if any. */
export interface StuckCheckResult extends CheckOutcome {
  stuck: StuckWaiter[];
  cycle: WaitEdge[] | null;
}

/**
 * Fails when a worker has waited for a lock at least `bound` (default 5 s) by the end of the
 * run, naming the wait-for cycle when there is one ("deadlock: a waits for rows:x held by b,
 * which waits for rows:y held by a") and otherwise the longest wait and who holds the lock.
 */
export function checkNoStuckWaiters(ctx: StuckCheckContext, options: { bound?: Duration } = {}): StuckCheckResult {
  const boundUs = parseDuration(options.bound ?? '5s', 'checkNoStuckWaiters bound');
  const tables = lockTablesOf(ctx.registry);
  const now = ctx.simTimeUs;
  const stuck = tables.flatMap((t) => t.stuckWaiters(now, boundUs)).sort((a, b) => a.sinceUs - b.sinceUs);
  if (stuck.length === 0) {
    const waiting = tables.reduce((n, t) => n + t.queueLength, 0);
    return { status: 'ok', detail: `no worker waited ${formatDuration(boundUs)} or more for a lock (${waiting} waiting at the end)`, stuck, cycle: null };
  }
  let cycle: WaitEdge[] | null = null;
  for (const s of stuck) {
    cycle = findWaitCycle(tables, s.owner);
    if (cycle !== null) break;
  }
  const first = stuck[0]!;
  const head = `${stuck.length} worker(s) stuck on locks for ${formatDuration(boundUs)} or more`;
  const detail =
    cycle !== null
      ? `deadlock: ${describeCycle(cycle)}; ${head}, the first since ${formatDuration(first.sinceUs)}`
      : `${head}, no wait-for cycle: ${describeStuck(first, now)}`;
  return { status: 'fail', detail, firstFailedAtMs: (first.sinceUs + boundUs) / 1000, stuck, cycle };
}
