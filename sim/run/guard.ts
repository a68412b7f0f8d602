/**
 * The determinism guard. While a scenario's code runs inside a simulation (its `build`, its
 * handlers and timers, `metrics()`, `finish()`, its checks), the ambient sources of
 * nondeterminism are replaced by traps: `Math.random`, `Date.now`, argument-less `new Date()` and
 * `Date()`, `performance.now`, `process.hrtime`, `setTimeout`/`setInterval`/`setImmediate`,
 * `crypto.randomUUID`/`getRandomValues` (and `node:crypto`'s random functions), `process.exit`.
 * A trapped call throws a `DeterminismError` (an input error: exit code 2) naming the call and the
 * scenario's own line:
 *
 *   my-scenario.ts:14:9 called Date.now() inside the simulation (scenario x, variant a, seed 1); use ctx.sim.now (simulated µs)
 *
 * The first trapped call is remembered, so a scenario that catches the throw still fails. The
 * originals come back when the run ends. faultline's own wall-clock reads (`host-clock.ts`)
 * captured the originals when they loaded, and keep working. Modules that read `Math.random`
 * once at import (seedrandom) are imported before any run starts.
 *
 * Works without Node (the browser playground): what a host lacks is left alone.
 */
import { InputError } from '../kernel/errors.ts';
import type { Seed } from '../kernel/random.ts';
import { userFrames } from './user-error.ts';

/** A scenario reached for ambient nondeterminism inside a simulation (exit code 2). */
export class DeterminismError extends InputError {
  constructor(
    message: string,
    /** What was called, e.g. `Date.now()`. */
    readonly call: string,
    /** The scenario's line that called it (`path:line:column`, relative to the working directory), if found. */
    readonly location: string | undefined,
  ) {
    super(message);
    // its own name, so a sweep worker's reply tells it from other input errors
    Object.defineProperty(this, 'name', { value: 'DeterminismError' });
  }
}

export interface GuardPlace {
  scenario: string;
  variant: string;
  seed: Seed;
}

const CLOCK = 'use ctx.sim.now (simulated µs)';
const TIMER = 'use ctx.sim.schedule(delayUs, fn, arg) or ctx.sim.timeout(delayUs) (simulated time)';
const RANDOM = "use a named stream of the run's seed: ctx.random.get('name').next()";
const EXIT = 'throw an Error, or end the run with untilUs';

type Patch = { target: object; key: PropertyKey; value: unknown };

interface Guarded {
  place: GuardPlace;
  first: DeterminismError | null;
}

let active: Guarded | null = null;
let depth = 0;
let restore: (() => void) | null = null;

/** The call's site in the scenario: the innermost user frame, else the innermost frame outside faultline. */
function callSite(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  const frame = userFrames(stack)[0] ?? anyForeignFrame(stack);
  if (frame === undefined) return undefined;
  const loc = /\(([^()]+)\)$/.exec(frame)?.[1] ?? frame;
  const cwd = typeof process !== 'undefined' && typeof process.cwd === 'function' ? process.cwd() + '/' : '';
  return cwd && loc.startsWith(cwd) ? loc.slice(cwd.length) : loc;
}

/** A frame from a dependency (node_modules), for a trapped call that no scenario line made. */
function anyForeignFrame(stack: string | undefined): string | undefined {
  for (const line of stack?.split('\n') ?? []) {
    const m = /^\s+at (?:.* \()?(?:file:\/\/)?([^()]*\/node_modules\/[^()]+:\d+:\d+)\)?$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

function trapped(call: string, hint: string): never {
  const g = active!;
  const where = callSite();
  const p = g.place;
  const err = new DeterminismError(
    `${where ?? `scenario ${p.scenario}`} called ${call} inside the simulation (scenario ${p.scenario}, variant ${p.variant}, seed ${p.seed}); ${hint}`,
    call,
    where,
  );
  g.first ??= err;
  throw err;
}

function install(): () => void {
  const patches: Patch[] = [];
  const saved: { target: object; key: PropertyKey; had: boolean; desc: PropertyDescriptor | undefined }[] = [];
  const set = (target: object | undefined, key: PropertyKey, value: unknown): void => {
    if (target === undefined || target === null) return;
    if (typeof (target as Record<PropertyKey, unknown>)[key] !== 'function') return;
    patches.push({ target, key, value });
  };
  const g = globalThis as Record<string, any>;
  set(Math, 'random', () => trapped('Math.random()', RANDOM));
  const OrigDate = Date;
  set(OrigDate, 'now', () => trapped('Date.now()', CLOCK));
  const GuardedDate: DateConstructor = new Proxy(OrigDate, {
    construct(target, args, newTarget): object {
      if (args.length === 0) trapped('new Date()', `${CLOCK}, or new Date(ms) with a fixed epoch`);
      return Reflect.construct(target, args, newTarget === GuardedDate ? target : newTarget);
    },
    apply() {
      return trapped('Date()', CLOCK);
    },
  });
  set(g, 'Date', GuardedDate);
  if (typeof performance !== 'undefined') set(performance, 'now', () => trapped('performance.now()', CLOCK));
  for (const t of ['setTimeout', 'setInterval', 'setImmediate']) set(g, t, () => trapped(`${t}()`, TIMER));
  const webcrypto = g.crypto as Record<string, unknown> | undefined;
  set(webcrypto, 'randomUUID', () => trapped('crypto.randomUUID()', RANDOM));
  set(webcrypto, 'getRandomValues', () => trapped('crypto.getRandomValues()', RANDOM));
  const proc = typeof process !== 'undefined' ? (process as unknown as Record<string, any>) : undefined;
  if (proc) {
    set(proc, 'exit', (code?: number) => trapped(`process.exit(${code ?? ''})`, EXIT));
    const hrtime = Object.assign(() => trapped('process.hrtime()', CLOCK), { bigint: () => trapped('process.hrtime.bigint()', CLOCK) });
    set(proc, 'hrtime', hrtime);
  }
  // a named import of randomUUID from node:crypto is a live binding: patch the module, then sync.
  const builtin = proc?.getBuiltinModule as ((id: string) => any) | undefined;
  const nodeCrypto = typeof builtin === 'function' ? builtin('node:crypto') : undefined;
  const nodeModule = typeof builtin === 'function' ? builtin('node:module') : undefined;
  if (nodeCrypto) {
    for (const f of ['randomUUID', 'randomBytes', 'randomInt', 'randomFillSync', 'randomFill', 'getRandomValues']) {
      set(nodeCrypto, f, () => trapped(`crypto.${f}()`, RANDOM));
    }
  }
  const nodeTimers = typeof builtin === 'function' ? builtin('node:timers') : undefined;
  if (nodeTimers) for (const t of ['setTimeout', 'setInterval', 'setImmediate']) set(nodeTimers, t, () => trapped(`${t}()`, TIMER));

  for (const p of patches) {
    const had = Object.prototype.hasOwnProperty.call(p.target, p.key);
    saved.push({ target: p.target, key: p.key, had, desc: Object.getOwnPropertyDescriptor(p.target, p.key) });
    try {
      Object.defineProperty(p.target, p.key, { value: p.value, writable: true, configurable: true, enumerable: had ? (saved.at(-1)!.desc?.enumerable ?? false) : false });
    } catch {
      saved.pop(); // a frozen host object: leave it
    }
  }
  const sync = (): void => {
    if (nodeModule && typeof nodeModule.syncBuiltinESMExports === 'function') nodeModule.syncBuiltinESMExports();
  };
  sync();
  return () => {
    for (const s of saved.reverse()) {
      if (s.had) Object.defineProperty(s.target, s.key, s.desc!);
      else delete (s.target as Record<PropertyKey, unknown>)[s.key];
    }
    sync();
  };
}

/**
 * Run `fn` with the guard on (nested calls share one installation). Throws the first trapped
 * call's `DeterminismError` even when the scenario caught it, or when `fn` then failed otherwise.
 */
export function guarded<T>(place: GuardPlace, fn: () => T): T {
  const outer = active;
  const mine: Guarded = { place, first: null };
  if (depth++ === 0) restore = install();
  active = mine;
  let out: T;
  try {
    out = fn();
  } catch (err) {
    if (mine.first) throw mine.first;
    throw err;
  } finally {
    active = outer;
    if (--depth === 0) {
      restore!();
      restore = null;
    }
  }
  if (mine.first) throw mine.first;
  return out;
}

/** The guard's trap has been hit in the run that is going on now (for code that must not swallow it). */
export function guardTripped(): DeterminismError | null {
  return active?.first ?? null;
}
