/**
 * Composition: policies wrap a call in an explicit order, outermost first, as cockatiel's
 * `wrap(a, b, c)` and Polly v8's `ResiliencePipelineBuilder` (the first strategy added is the
 * outermost). `wrap(deadline, retry, breaker, timeLimiter)` runs a call as
 * deadline(retry(breaker(timeLimiter(call)))): one deadline for everything, each attempt passes
 * the breaker and has its own time limit.
 *
 * `pipeline(options, ...policies)` is `wrap` with a name, a node and a tracer: it writes one
 * `policy-pipeline` record with the order when it is built, and with `traceCalls: true` a
 * `policy-enter` detail record each time a call enters a policy, so the order is visible per call.
 *
 * The chain of nested calls is built once per wrapped call (`pipeline.wrapCall(call)` builds it
 * ahead of time), so running a call through a pipeline allocates nothing for the composition.
 */
import { InputError } from '../kernel/errors.ts';
import type { Tracer } from '../observe/trace.ts';
import { markDetailKind } from '../observe/trace.ts';
import type { Call, CallContext, Done, Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { booleanOption, checkKnown, type Opts } from './options.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A pipeline was built: its policies outermost first, e.g. "deadline > retry > circuit-breaker". */
    'policy-pipeline': { node: string; pipeline: string; order: string };
    /** A call entered a policy of a pipeline (detail; with `traceCalls: true`). */
    'policy-enter': { node: string; pipeline: string; policy: string; depth: number; attempt: number };
  }
}
markDetailKind('policy-enter');

/**
 * Policies composed in order, outermost first (cockatiel `wrap`, Polly v8
 * `ResiliencePipelineBuilder`): itself a policy, with `wrapCall` to build the nested call once.
 */
export interface Pipeline extends Policy {
  /** Its policies, outermost first. */
  readonly policies: readonly Policy[];
  /** `"kind:name > kind:name > ..."`, outermost first. */
  readonly order: string;
  /** The call wrapped by every policy, in order (built once). */
  wrapCall(call: Call): Call;
}

class PipelineImpl implements Pipeline {
  readonly kind = 'pipeline';
  readonly order: string;
  private lastCall: Call | null = null;
  private lastChain: Call | null = null;

  constructor(
    readonly name: string,
    readonly policies: readonly Policy[],
    private readonly tracer: Tracer | undefined,
    private readonly node: string,
    private readonly sim: PolicyEnv['sim'] | null,
  ) {
    this.order = policies.map((p) => (p.name === p.kind ? p.kind : `${p.kind}:${p.name}`)).join(' > ');
  }

  wrapCall(call: Call): Call {
    let next = call;
    for (let i = this.policies.length - 1; i >= 0; i--) {
      const p = this.policies[i]!;
      const inner = next;
      if (this.tracer !== undefined && this.sim !== null) {
        const tr = this.tracer;
        const sim = this.sim;
        const pipe = this.name;
        const node = this.node;
        const depth = i;
        next = (ctx: CallContext, done: Done) => {
          tr.emit({ time: sim.now, kind: 'policy-enter', node, pipeline: pipe, policy: p.name, depth, attempt: ctx.attempt });
          p.execute(ctx, inner, done);
        };
      } else {
        next = (ctx: CallContext, done: Done) => p.execute(ctx, inner, done);
      }
    }
    return next;
  }

  execute(ctx: CallContext, call: Call, done: Done): void {
    if (call !== this.lastCall) {
      this.lastCall = call;
      this.lastChain = this.wrapCall(call);
    }
    this.lastChain!(ctx, done);
  }
}

function checkPolicies(where: string, policies: readonly unknown[]): Policy[] {
  if (policies.length === 0) throw new InputError(`${where}: give at least one policy`);
  policies.forEach((p, i) => {
    if (typeof p !== 'object' || p === null || typeof (p as Policy).execute !== 'function') {
      throw new InputError(`${where}: argument ${i + 1} is not a policy (build one with retry(), circuitBreaker(), ...)`);
    }
  });
  return policies as Policy[];
}

/** cockatiel-style `wrap(outermost, ..., innermost)`. */
export function wrap(...policies: Policy[]): Pipeline {
  const ps = checkPolicies('wrap', policies);
  return new PipelineImpl('wrap', ps, undefined, '', null);
}

/** The options of `pipeline`: its name, node and tracer (it traces its order once), and per-call tracing. */
export interface PipelineOptions extends PolicyEnvOptions {
  /** Emit a `policy-enter` detail record for every call entering every policy. */
  traceCalls?: boolean;
}

/**
 * `wrap` with a name, a node and a tracer: policies outermost first; writes one `policy-pipeline`
 * record with the order when built, and with `traceCalls` a `policy-enter` record per call per policy.
 */
export function pipeline(options: PipelineOptions, ...policies: Policy[]): Pipeline {
  const where = 'pipeline';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'traceCalls']);
  const env = new PolicyEnv(where, 'pipeline', o);
  const traceCalls = booleanOption(where, o, 'traceCalls', false);
  const ps = checkPolicies(where, policies);
  const p = new PipelineImpl(env.name, ps, traceCalls ? env.trace : undefined, env.node, env.sim);
  env.trace?.emit({ time: env.sim.now, kind: 'policy-pipeline', node: env.node, pipeline: env.name, order: p.order });
  return p;
}
