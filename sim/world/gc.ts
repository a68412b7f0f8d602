/**
 * Garbage-collection pressure on a node's managed heap (a JVM, a Go or .NET runtime): a small,
 * documented model in which heap occupancy slows the process down, so that a long queue, whose
 * requests are live memory, slows its own draining.
 *
 * The model (opt-in per node with `NodeSpec.gc`):
 *
 * - The heap is the node's memory limit H (`memoryLimitMb`). Live memory L is what
 *   `Node.memoryUsedMb()` counts: the baseline, the memory held by requests queued and in service,
 *   leaks, caches and allocations.
 * - Work allocates short-lived objects: `allocationMbPerCpuSec` MiB per second of CPU work
 *   (counted when a unit of work starts on a core). They fill the free heap H − L.
 * - When the allocations since the last collection reach the free heap, a **stop-the-world**
 *   collection pauses the whole process (every core; messages wait, as in a `pause`) for
 *   `pauseMin` + `pausePerLiveGb` × L / 1024: a tracing collector's work is proportional to
 *   the live data it traces.
 *
 * So collections come more often as the allocation rate (the load) rises and as the free heap
 * shrinks, and each lasts longer as the live heap grows. The fraction of time spent collecting is
 *
 *     f = a · (p0 + k·L) / (H − L)      (a: MiB allocated per second, k: pause per MiB live, p0: pauseMin)
 *
 * which is the classical cost of tracing collection: work proportional to the live data, paid once
 * per H − L bytes allocated (A. W. Appel, "Garbage collection can be faster than stack
 * allocation", Information Processing Letters 25(4), 1987). With the CPU work of a request fixed,
 * the node's service rate falls as μ(L) = μ0 / (1 + μ0 · m · (p0 + k·L) / (H − L)) (m: MiB
 * allocated per request), to zero as L approaches H. A load spike that leaves a queue long enough
 * for μ(L) to fall below the arrival rate never drains: the queue's memory keeps the collector
 * busy, which keeps the queue long. This is the garbage-collection mechanism of metastable
 * failures (Huang et al., "Metastable Failures in the Wild", OSDI 2022,
 * https://www.usenix.org/conference/osdi22/presentation/huang-lexiang): load spike → long queue →
 * more GC → slower processing → longer queue.
 *
 * Defaults are illustrative, not measurements of a particular runtime: calibrate
 * `allocationMbPerCpuSec` from the allocation rate and `pausePerLiveGb` from the pause times in
 * your GC logs (`-Xlog:gc` on HotSpot, `GODEBUG=gctrace=1` in Go).
 */
import { InputError } from '../kernel/errors.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';

/** A node's garbage-collection model (see the file's documentation). Every field has a default. */
export interface GcSpec {
  /** MiB allocated per second of CPU work (short-lived garbage). Default 200. */
  allocationMbPerCpuSec?: number;
  /** Stop-the-world pause per GiB of live heap. Default "200ms". */
  pausePerLiveGb?: Duration;
  /** Fixed part of every pause (root scanning, safepoint). Default "2ms". */
  pauseMin?: Duration;
}

export const GC_KEYS: Record<keyof GcSpec, true> = { allocationMbPerCpuSec: true, pausePerLiveGb: true, pauseMin: true };

/** The parsed model: allocation per µs of work, pause per live MiB and the fixed pause, in µs. */
export interface GcParams {
  allocationMbPerUs: number;
  pauseUsPerLiveMb: number;
  pauseMinUs: number;
}

export function parseGcSpec(where: string, spec: GcSpec): GcParams {
  const alloc = spec.allocationMbPerCpuSec ?? 200;
  if (!(alloc >= 0 && alloc <= 1e7)) throw new InputError(`${where}: gc.allocationMbPerCpuSec=${alloc} is not valid; use a number of MiB in [0, 10000000]`);
  const perGb = parseDuration(spec.pausePerLiveGb ?? '200ms', `${where}: gc.pausePerLiveGb`);
  const min = parseDuration(spec.pauseMin ?? '2ms', `${where}: gc.pauseMin`);
  return { allocationMbPerUs: alloc / 1e6, pauseUsPerLiveMb: perGb / 1024, pauseMinUs: min };
}

/** What one collection costs: its pause for a live heap of `liveMb`, µs (at least 1). */
export function gcPauseUs(p: GcParams, liveMb: number): number {
  return Math.max(1, Math.round(p.pauseMinUs + p.pauseUsPerLiveMb * Math.max(0, liveMb)));
}
