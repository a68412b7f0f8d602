/**
 * Backoff and jitter: N clients contend for one row with optimistic concurrency (a conditional
 * write succeeds only if nobody wrote since the client read). The AWS Architecture Blog experiment,
 * with the patterns' backoff functions.
 *
 *   client-01 ─┐
 *   client-02 ─┼── read version, then write if unchanged ──► store (one row, one version)
 *      ...     │   on conflict: back off, read again
 *   client-N  ─┘
 *
 * The store is an app service whose write endpoint reads its request body (the version the
 * client read); each client's attempt is a read, then a write with that body, under a retry.
 */
import { countAttempts, defineScenario } from 'faultline';
import type { Handling } from 'faultline/app';
import { errorOutcome, okOutcome, newCallContext, type Call, type Backoff } from 'faultline/patterns';

/** A conditional write's body: the version the client read, and who writes. */
type Write = { version: number; client: string };
const JITTER = { exponential: 'none', 'full-jitter': 'full', 'equal-jitter': 'equal' } as const;

/** Attempts per client before it gives up (a bound on everything; never reached by default). */
const ATTEMPTS_MAX = 10_000;

export default defineScenario({
  name: 'backoff-jitter',
  title: 'Backoff and jitter: clients contending for one row',
  description: `
**What happens.** 100 clients start at the same moment, and each wants to update the same row
once, with optimistic concurrency control: read the row's version, then write "if the version
is still v". Only one of the writes that raced succeeds; the others conflict, wait, read again and
retry. This is the experiment of the AWS Architecture Blog post on backoff and jitter, rebuilt on
faultline's network (one-way delay N(10 ms, 2 ms), as in the post's simulator; the store answers at
once, as there) and retry policy, with the patterns' backoff functions.

**Why it matters.** Every conflicting attempt is wasted work for the store, and the clients that
retry together conflict together.
- *No backoff*: every loser retries at once and meets all the others again; each round lets one
  client through, so the work grows with the square of the number of clients.
- *Exponential backoff without jitter*: the losers of a round all wait the same time, so they
  collide again, in the same groups, only later: as much contention, spread over more time.
- *Jitter* spreads the retries out, so most of them find the row quiet. *Full jitter*
  (sleep = random(0, min(cap, base · 2^attempt))) does the least work; *equal jitter* (half fixed,
  half random) keeps the floor of the exponential and takes much longer; *decorrelated jitter*
  (sleep = min(cap, random(base, 3 · previous sleep))) is close to full jitter.

**What to look at.** Write calls (the store's work) and the time the last client finishes. No
backoff finishes first but does three times the work; exponential backoff without jitter does
more than twice the work and takes over ten times longer; full jitter does the least work; decorrelated jitter
finishes a little sooner for a little more work; equal jitter is slower than both.

**What to try.** \`--param clients=20\` (contention grows faster than linearly), or a lossy
network (\`faultline check backoff-jitter --kinds link-loss\`): when the reply to a successful write
is lost, the client retries and applies its update twice, which \`every-update-applied-once\`
catches: a retried write must be idempotent.

**Reference.** M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog (2015),
https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/ (simulator:
https://github.com/aws-samples/aws-arch-backoff-simulator). The post counts the first retry as
attempt 1, so its first exponential sleep is 2 · base; faultline's \`exponentialBackoff\` sleeps
\`base\` before retry 1, so the exponential variants get \`base\` = 2 · \`baseMs\` and make the same
sleeps as the post's simulator (base 5 ms, cap 2 s).
`.trim(),
  params: {
    clients: { type: 'number', default: 100, min: 1, max: 10_000, integer: true, description: 'clients, each updating the row once, all starting at t = 0' },
    backoff: {
      type: 'enum',
      default: 'none',
      values: ['none', 'exponential', 'full-jitter', 'equal-jitter', 'decorrelated-jitter'],
      description: 'sleep before a retry (the AWS blog formulas)',
    },
    baseMs: { type: 'number', default: 5, min: 0.001, max: 60_000, unit: 'ms', description: 'backoff base (the post: 5 ms)' },
    capMs: { type: 'number', default: 2000, min: 0.001, max: 600_000, unit: 'ms', description: 'backoff cap (the post: 2 s)' },
    timeoutMs: { type: 'number', default: 1000, min: 1, max: 600_000, unit: 'ms', description: 'per-message timeout (only lost messages time out)' },
    callsPerClientMax: { type: 'number', default: 12, min: 1, max: 10_000, description: 'check: write calls per client at most this' },
    completionMsMax: { type: 'number', default: 15_000, min: 1, max: 36_000_000, unit: 'ms', description: 'check: every client done by this time' },
  },
  variants: {
    'no-backoff': { description: 'retry at once', params: { backoff: 'none' }, expectFail: ['work-bounded'] },
    exponential: { description: 'exponential backoff, no jitter', params: { backoff: 'exponential' }, expectFail: ['work-bounded', 'completes-in-time'] },
    'full-jitter': { description: 'sleep = random(0, min(cap, base · 2^attempt))', params: { backoff: 'full-jitter' } },
    'equal-jitter': { description: 'sleep = v/2 + random(0, v/2), v = min(cap, base · 2^attempt)', params: { backoff: 'equal-jitter' } },
    'decorrelated-jitter': { description: 'sleep = min(cap, random(base, 3 · previous sleep))', params: { backoff: 'decorrelated-jitter' } },
  },

  build(ctx) {
    const { sim, params: p, requests, world, service, client, retry, constantBackoff, exponentialBackoff } = ctx;
    const names = Array.from({ length: p.clients }, (_, i) => `client-${String(i + 1).padStart(String(p.clients).length, '0')}`);
    world({ nodes: names, network: { latency: { dist: 'normal', mean: '10ms', stddev: '2ms' } } });

    // ---- components: the store holds one row and answers at once ----
    let version = 0;
    let writeCalls = 0;
    let conflicts = 0;
    /** Updates applied per client: exactly one each, unless a retried write applied twice. */
    const applied = new Map<string, number>();
    const store = service('store', {
      endpoints: {
        read: { work: '0ms', handler: (_h, done) => done(okOutcome(0, version)) },
        write: {
          work: '0ms',
          // a conditional write: applied only if nobody wrote since the client read `version`
          handler: (h: Handling<Write>, done) => {
            writeCalls++;
            const written = h.body.version === version;
            if (written) {
              version++;
              applied.set(h.body.client, (applied.get(h.body.client) ?? 0) + 1);
            } else {
              conflicts++;
            }
            done(written ? okOutcome(0) : errorOutcome('conflict', 0));
          },
        },
      },
    });

    // ---- wiring: one attempt = read, then a conditional write; the retry policy backs off ----
    const read = client(store, 'read', { timeout: `${p.timeoutMs}ms` });
    const write = client(store, 'write', { timeout: `${p.timeoutMs}ms` });
    const base = p.baseMs;
    const backoff = (): Backoff =>
      p.backoff === 'none' ? constantBackoff({ delayMs: 0 })
      : p.backoff === 'decorrelated-jitter' ? exponentialBackoff({ baseMs: base, capMs: p.capMs, jitter: 'decorrelated' })
      : exponentialBackoff({ baseMs: 2 * base, capMs: p.capMs, jitter: JITTER[p.backoff as keyof typeof JITTER] });

    // ---- workload: every client starts at t = 0 and updates the row once ----
    let done = 0;
    let lastDoneUs = 0;
    for (const name of names) {
      const [r, w] = [read.at(name), write.at(name)];
      const update: Call = (c, d) => r.call(c, (o) => (o.ok ? w.request(c, { version: o.value as number, client: name } satisfies Write, d) : d(o)));
      const occ = retry({ name: 'occ', node: name, attemptsMax: ATTEMPTS_MAX, backoff: backoff() });
      occ.execute(newCallContext(sim, { key: name }), countAttempts(ctx, update), (o) => {
        requests.record(sim.now, o.ok, o.latencyUs, o.error, name);
        if (o.ok) [done, lastDoneUs] = [done + 1, sim.now];
      });
    }

    return {
      metrics: () => ({
        writeCalls,
        callsPerClient: Math.round((writeCalls / p.clients) * 100) / 100,
        conflicts,
        completionMs: Math.round(lastDoneUs / 100) / 10,
        clientsDone: done,
        finalVersion: version,
        clientsAppliedTwice: [...applied.values()].filter((n) => n > 1).length,
      }),
    };
  },

  faults: [],
  faultKinds: ['link-loss', 'link-latency', 'pause'],

  checks: [
    {
      name: 'every-update-applied-once',
      description: 'each client updated the row exactly once: the final version equals the number of clients',
      check({ metrics, params }) {
        const ok = metrics.finalVersion === params.clients && metrics.clientsDone === params.clients;
        const twice = metrics.clientsAppliedTwice as number;
        return {
          status: ok ? 'ok' : 'fail',
          detail:
            `final version ${metrics.finalVersion} for ${params.clients} clients, ${metrics.clientsDone} done` +
            (twice > 0 ? `; ${twice} client(s) applied their update more than once (a write succeeded, its reply was lost, and the retry wrote again)` : ''),
        };
      },
    },
    {
      name: 'work-bounded',
      description: 'write calls ≤ callsPerClientMax × clients',
      check({ metrics, params }) {
        const limit = params.callsPerClientMax * params.clients;
        return {
          status: metrics.writeCalls <= limit ? 'ok' : 'fail',
          detail: `${metrics.writeCalls} write calls for ${params.clients} updates (${metrics.callsPerClient} per client; allowed ${params.callsPerClientMax}); ${metrics.conflicts} conflicted`,
        };
      },
    },
    {
      name: 'completes-in-time',
      description: 'every client is done within completionMsMax',
      check({ metrics, params }) {
        return {
          status: metrics.completionMs <= params.completionMsMax ? 'ok' : 'fail',
          detail: `the last client finished at ${metrics.completionMs} ms (allowed ${params.completionMsMax} ms)`,
          firstFailedAtMs: params.completionMsMax,
        };
      },
    },
  ],
  keyMetrics: ['writeCalls', 'callsPerClient', 'completionMs', 'latencyMs.p50'],
});
