/**
 * Reproduction of the Amazon DynamoDB disruption in us-east-1 on 20 September 2015: storage
 * servers' membership requests to the metadata service time out after a brief network disruption,
 * their retries keep the metadata service overloaded, and it stays that way until operators pause
 * the requests and add capacity.
 *
 *   client ── customer requests ──► storage-01 … storage-40   (serve only with a current membership)
 *                                        │  membership requests (allowance 1 s), periodic and after
 *                                        ▼  a network disruption; retried on timeout
 *                                   metadata-1 (4 cores)       metadata-2 … 4: capacity added by operators
 *
 * Time: one simulated second stands for one minute of the incident, from 2:00 am PDT, so t = 19 s
 * is 2:19 am, t = 186 s is 5:06 am and t = 310 s is 7:10 am.
 */
import { defineScenario, Gauge, type Simulation, type FaultPlan } from 'faultline';
import type { Node } from 'faultline/world';
import {
  okOutcome,
  errorOutcome,
  newCallContext,
  type Call,
  type CallContext,
  type Done,
  type RetryPolicy,
} from 'faultline/patterns';
import type { ReplicaPicker } from 'faultline/app';

/** Simulated µs per incident minute. */
const MINUTE_US = 1_000_000;
/** Storage servers ping the metadata host this often (real time: the request-level clock is not scaled). */
const HEARTBEAT_US = 3_000_000;
/** A bound on attempts per membership request (never reached: a server asks until it is answered). */
const ATTEMPTS_MAX = 1_000_000;
const METADATA = ['metadata-1', 'metadata-2', 'metadata-3', 'metadata-4'] as const;

/** "2:37" for an incident time in µs (minutes after 2:00 am PDT). */
export function clockOf(us: number): string {
  const minutes = Math.floor(us / MINUTE_US);
  return `${2 + Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

export default defineScenario({
  name: 'incident-dynamodb-2015',
  title: 'DynamoDB, us-east-1, 20 Sep 2015: a metadata service held down by retries',
  description: `
**What happened.** DynamoDB storage servers hold partitions of customer tables; which partitions
a server holds (its *membership*) is kept by an internal metadata service. Storage servers confirm
their membership periodically, and request it after a network disruption. If the answer does not
come within an allowed time, a server retries and removes itself from serving customer requests.
Global Secondary Indexes, adopted fast in the months before, had made some memberships much larger,
and the metadata service's processing time for them had crept close to the allowed time. At
2:19 am PDT a brief network disruption hit a portion of the storage servers. Many of them asked
for their memberships at once; the metadata service queued, answers for the large memberships
exceeded the allowed time, those servers stopped serving and retried, and the retries kept the
metadata service overloaded. By 2:37 am the error rate of customer requests had stabilized at
about 55%. Attempts to add capacity failed because the administrative requests could not get
through the overloaded service; at 5:06 am operators paused requests to the metadata service,
added capacity, and let storage servers back in; DynamoDB was back to normal by about 7:10 am.

**The model.** 40 storage servers, 45% of them with GSI-heavy memberships that take the metadata
service 900 ms of CPU, close to the 1 s a server allows (the others take 50 ms). One metadata
replica with 4 cores, whose up to 32 request threads share the cores (processor sharing: each
request in progress slows all the others; more are refused). Periodic membership checks every
20 s on average, and a heartbeat to the metadata host every 3 s whose failure tells a server that
the network was disrupted and makes it ask for its membership again. A server whose membership
request fails stops serving customer requests (\`unavailable\`) and asks again 500 ms later,
until it succeeds. The trigger is a 5 s partition at 2:19 between half of the storage servers and
the metadata service. The customer error rate is the share of disqualified servers (customer keys
are spread evenly). One simulated second stands for one minute of the incident, from 2:00 am;
request-level times (the allowance, processing times) are real time.

**What reproduces.** The servers cut off by the disruption all ask again when it ends; with 20
requests sharing 4 cores, the large memberships take longer than the allowance, time out and are
retried, and the retried requests keep the metadata service as loaded as the burst did: the
retries alone hold it up, long after the network is fine (every server's periodic check then
fails too). The small memberships still get through, so the error rate settles on a plateau near
55% (the GSI-heavy servers plus small ones between attempts), reached around 2:37 to 2:40, as in
the postmortem. It stays there until the administrative actions of variant \`as-it-happened\` (requests
paused at 5:06, three replicas of capacity added at 5:10, servers let back in four stages from
5:40 to 7:10; the failed first attempts to add capacity are not modelled); variant \`without-intervention\` shows that without them it never ends.

**What would have prevented it.** The corrective actions of the postmortem: "lengthening the time
allowed to process queries" alone (variant \`longer-allowance\`: 3 s) ends the storm within
minutes, because a retried request can then finish even on a busy service; with "reducing the rate
at which storage nodes request membership data" as well (variant \`corrective-actions\`:
exponential backoff with full jitter, base 1 s, cap 10 s) there are fewer requests still.
Backoff alone at the 1 s allowance ends the storm too, but large memberships then fail now and
then even on a quiet service and servers flap in and out (try
\`--variant without-intervention --param retryPolicy=exponential-full-jitter\`): a timeout this
close to the work it bounds is the latent defect. A per-client retry budget (gRPC retry
throttling) does not fit this client: a storage server makes one request every 20 s, so its
token bucket, once drained, never refills.

**Reference.** Amazon Web Services, "Summary of the Amazon DynamoDB Service Disruption and Related
Impacts in the US-East Region" (September 2015), https://aws.amazon.com/message/5467D2/. Model
figures that the postmortem does not give (server counts, sizes, capacities, the share of
GSI-heavy memberships) are this scenario's assumptions, chosen to be plausible and to match the
figures it does give (2:19, ~55% by 2:37, 5:06, ~7:10).
`.trim(),
  params: {
    storageServers: { type: 'number', default: 40, min: 2, max: 1000, integer: true, description: 'storage servers' },
    gsiHeavyShare: { type: 'number', default: 0.45, min: 0, max: 1, description: 'share of storage servers whose membership is GSI-heavy (large)' },
    largeMembershipMs: { type: 'number', default: 900, min: 1, max: 60_000, unit: 'ms', description: 'metadata processing time of a GSI-heavy membership' },
    smallMembershipMs: { type: 'number', default: 50, min: 1, max: 60_000, unit: 'ms', description: 'metadata processing time of a small membership' },
    allowanceMs: { type: 'number', default: 1000, min: 1, max: 600_000, unit: 'ms', description: 'time a storage server allows for its membership answer (its timeout)' },
    retryPolicy: {
      type: 'enum',
      default: 'fixed',
      values: ['fixed', 'exponential-full-jitter'],
      description: 'how a storage server retries a failed membership request: every 500 ms, or exponential backoff with full jitter (base 1 s, cap 10 s)',
    },
    metadataCores: { type: 'number', default: 4, min: 1, max: 256, integer: true, description: 'cores per metadata replica' },
    metadataThreads: { type: 'number', default: 32, min: 1, max: 100_000, integer: true, description: 'membership requests in progress per replica (threads sharing the cores); more are refused' },
    checkIntervalMs: { type: 'number', default: 20_000, min: 100, max: 3_600_000, unit: 'ms', description: 'mean time between periodic membership checks (uniformly jittered ±50%)' },
    administrativeActions: { type: 'boolean', default: false, description: 'operators pause membership requests at 5:06, add capacity, and let servers back in stages' },
    customerRequestsPerSec: { type: 'number', default: 10, min: 0, max: 100_000, unit: '1/s', description: 'customer requests (spread evenly over the servers by key)' },
    durationMs: { type: 'number', default: 330_000, min: 10_000, max: 36_000_000, unit: 'ms', description: 'length of the run (330 s = until 7:30 am)' },
  },
  variants: {
    'as-it-happened': {
      description: '1 s allowance, retries every 500 ms; operators pause the requests at 5:06, add capacity and let servers back by 7:10',
      params: { administrativeActions: true },
      expectFail: ['recovers-without-intervention', 'disqualification-bounded'],
    },
    'without-intervention': {
      description: 'the same, without the operators: the overload outlives the run',
      expectFail: ['recovers-without-intervention', 'disqualification-bounded'],
    },
    'longer-allowance': {
      description: 'a 3 s allowance (a corrective action of the postmortem), retries as before',
      params: { allowanceMs: 3000 },
    },
    'corrective-actions': {
      description: 'a 3 s allowance and fewer membership requests (exponential backoff with full jitter)',
      params: { allowanceMs: 3000, retryPolicy: 'exponential-full-jitter' },
    },
  },

  build({ sim, params: p, metrics, random, world: makeWorld, service, client, openLoop, retry, constantBackoff, exponentialBackoff }) {
    const endUs = p.durationMs * 1000;
    const n = p.storageServers;
    const width = String(n).length;
    const storage = Array.from({ length: n }, (_, i) => `storage-${String(i + 1).padStart(width, '0')}`);
    // GSI-heavy servers spread evenly over the fleet: server i is heavy when the running share steps up
    const heavy = storage.map((_, i) => Math.floor((i + 1) * p.gsiHeavyShare) > Math.floor(i * p.gsiHeavyShare));

    // ---- components ----
    const world = makeWorld({
      nodes: [
        { name: 'client', cores: 64 },
        ...storage.map((name) => ({ name, cores: 2 })),
        ...METADATA.map((name) => ({ name, cores: p.metadataCores })),
      ],
      network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.3 } },
    });

    // Storage servers serve customers only while they hold a confirmed membership.
    const serving = storage.map(() => true);
    const disqualified = new Gauge(0);
    const disqualifiedSeries = metrics.seriesOf('storage.disqualified-share');
    let disqualifiedCount = 0;
    const disqualifiedSinceUs = storage.map(() => -1);
    let longestDisqualificationUs = 0;
    const setServing = (i: number, on: boolean): void => {
      if (serving[i] === on) return;
      serving[i] = on;
      disqualifiedCount += on ? -1 : 1;
      disqualified.set(sim.now, disqualifiedCount / n);
      if (on) {
        longestDisqualificationUs = Math.max(longestDisqualificationUs, sim.now - disqualifiedSinceUs[i]!);
        disqualifiedSinceUs[i] = -1;
      } else {
        disqualifiedSinceUs[i] = sim.now;
      }
    };
    const indexOf = new Map(storage.map((s, i) => [s, i]));
    const storageService = service('storage', {
      nodes: storage,
      endpoints: {
        get: {
          work: '1ms',
          handler: (h, done) => done(serving[indexOf.get(h.node.name)!] ? okOutcome(0) : errorOutcome('unavailable', 0)),
        },
      },
    });

    // The metadata service: a membership request's work is in proportion to the membership's size
    // (the request's key is the asking server's index). Its threads share the CPUs (processor
    // sharing), so every request in progress slows the others down; `workers` caps the requests in
    // progress and the rest are refused at once. The server does not know when a caller has given
    // up, so it finishes work nobody waits for.
    const allowanceUs = p.allowanceMs * 1000;
    const work = { totalUs: 0, wastedUs: 0 };
    const cpuOf = new Map<string, SharedCpu>(METADATA.map((name) => [name, new SharedCpu(sim, world.node(name), p.metadataCores)]));
    const metadata = service('metadata', {
      nodes: METADATA,
      workers: p.metadataThreads,
      // acceptQueueMax 0 would refuse even requests that find a free thread (the app checks the
      // queue length before asking for a thread), so allow one waiting request
      acceptQueueMax: 1,
      endpoints: {
        membership: {
          work: '0ms',
          handler: (h, done) => {
            const arrivedUs = sim.now;
            const workUs = (heavy[h.ctx.key as number] ? p.largeMembershipMs : p.smallMembershipMs) * 1000;
            cpuOf.get(h.node.name)!.run(workUs, () => {
              // the caller stopped waiting `allowanceMs` after sending: work finished later was wasted
              work.totalUs += workUs;
              if (sim.now - arrivedUs >= allowanceUs) work.wastedUs += workUs;
              done(okOutcome(0));
            });
          },
        },
      },
    });
    // Host liveness, answered by the host without waiting for a worker thread.
    const metadataHost = service('metadata-host', { nodes: METADATA, endpoints: { ping: { work: '0ms' } } });

    // ---- operators: capacity is added by bringing replicas 2–4 into rotation ----
    const admin = {
      pausedUntilUs: storage.map(() => -1),
      capacityAddedAtUs: p.administrativeActions ? 190 * MINUTE_US : Infinity,
    };
    let rr = 0;
    const metadataPicker: ReplicaPicker = {
      pick(_c: CallContext, replicas: readonly string[]): string {
        const active = sim.now >= admin.capacityAddedAtUs ? replicas.length : 1;
        rr = (rr + 1) % active;
        return replicas[rr]!;
      },
    };

    // ---- wiring: each storage server's membership client ----
    // keep asking until it works, as the storage servers did; only the delay differs
    const retryPolicyOf = (node: string): RetryPolicy =>
      retry({
        name: 'membership',
        node,
        attemptsMax: ATTEMPTS_MAX,
        backoff: p.retryPolicy === 'fixed' ? constantBackoff({ delayMs: 500 }) : exponentialBackoff({ baseMs: 1000, capMs: 10_000, jitter: 'full' }),
      });
    const checkRng = random.get('membership-checks');
    const checkIntervalUs = (): number => Math.round(p.checkIntervalMs * 1000 * (0.5 + checkRng.next()));
    const membershipTimeout = `${p.allowanceMs}ms`;
    let membershipRequests = 0;
    let membershipTimeouts = 0;

    const membership = client(metadata, 'membership', { timeout: membershipTimeout, picker: metadataPicker, countAttempts: true });
    const ping = client(metadataHost, 'ping', { timeout: '1s', picker: { pick: () => METADATA[0]! } });
    storage.forEach((node, i) => {
      const ask = membership.callFrom(node);
      // Every attempt that fails disqualifies the server; every success reinstates it.
      const attempt: Call = (c: CallContext, done: Done) => {
        // operators have paused this server's membership requests: hold the attempt until it is let back in
        const heldUs = admin.pausedUntilUs[i]! - sim.now;
        if (heldUs > 0) {
          sim.schedule(heldUs, () => attempt(c, done), null);
          return;
        }
        membershipRequests++;
        ask(c, (o) => {
          if (o.ok) setServing(i, true);
          else {
            if (o.error === 'timeout') membershipTimeouts++;
            setServing(i, false);
          }
          done(o);
        });
      };
      const policy = retryPolicyOf(node);
      let checking = false;
      let timer = -1;
      const check = (): void => {
        timer = -1;
        if (checking) return;
        checking = true;
        policy.execute(newCallContext(sim, { key: i }), attempt, () => {
          checking = false;
          if (timer === -1) timer = sim.schedule(checkIntervalUs(), check, null);
        });
      };
      timer = sim.schedule(checkIntervalUs(), check, null);
      const pingHost = ping.callFrom(node);
      // A failed heartbeat means the network was disrupted: ask for the membership again at once.
      const heartbeat = (): void => {
        pingHost(newCallContext(sim), (o) => {
          if (o.ok || checking) return;
          if (timer !== -1) sim.cancel(timer);
          check();
        });
        if (sim.now + HEARTBEAT_US < endUs) sim.schedule(HEARTBEAT_US, heartbeat, null);
      };
      sim.schedule(Math.round(checkRng.next() * HEARTBEAT_US), heartbeat, null);
    });

    // ---- operators (variant as-it-happened): pause at 5:06, capacity at 5:10, servers back in four stages, 5:40 to 7:10 ----
    if (p.administrativeActions) {
      sim.schedule(186 * MINUTE_US, () => {
        storage.forEach((_, i) => (admin.pausedUntilUs[i] = (220 + 30 * (i % 4)) * MINUTE_US));
      }, null);
    }

    // ---- workload: customer requests, each to the server holding its key's partition ----
    const byKey: ReplicaPicker = { pick: (c, replicas) => replicas[Number(c.key) % replicas.length]! };
    openLoop({
      name: 'customers',
      from: 'client',
      rate: p.customerRequestsPerSec,
      until: endUs,
      keys: n * 1000,
      call: client(storageService, 'get', { timeout: '1s', picker: byKey }),
    });

    // ---- observation: the share of disqualified servers, sampled every incident minute ----
    const sample = (): void => {
      disqualifiedSeries.add(sim.now, disqualifiedCount / n);
      if (sim.now + MINUTE_US < endUs) sim.schedule(MINUTE_US, sample, null);
    };
    sim.schedule(0, sample, null);

    return {
      untilUs: endUs,
      metrics() {
        for (let i = 0; i < n; i++) if (disqualifiedSinceUs[i]! >= 0) longestDisqualificationUs = Math.max(longestDisqualificationUs, endUs - disqualifiedSinceUs[i]!);
        const w = disqualifiedSeries.windows(endUs);
        const at = (minute: number): number => w[minute] ? w[minute]!.sum / Math.max(1, w[minute]!.count) : 0;
        const plateau = w.slice(40, 180).map((_, k) => at(40 + k));
        const peak = Math.max(...w.map((x) => (x.count ? x.sum / x.count : 0)));
        return {
          errorRateAt237: round(at(37), 3),
          errorRatePlateau: round(plateau.reduce((a, b) => a + b, 0) / Math.max(1, plateau.length), 3),
          errorRatePeak: round(peak, 3),
          normalAgainAt: normalAgainAt(w, 19),
          longestDisqualificationMin: round(longestDisqualificationUs / MINUTE_US, 1),
          membershipRequests,
          membershipTimeouts,
          metadataWorkWasted: round(work.wastedUs / Math.max(1, work.totalUs), 3),
          errorRateMean: round(disqualified.mean(endUs), 3),
        };
      },
    };
  },

  // ---- faults: the trigger, a brief network disruption at 2:19 ----
  faults: (p) => {
    const n = p.storageServers;
    const width = String(n).length;
    const affected = Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 0).map((i) => `storage-${String(i + 1).padStart(width, '0')}`);
    return [{ at: '19s', kind: 'partition', groups: [affected, [...METADATA]], for: '5s' }];
  },
  faultKinds: ['partition', 'limp', 'pause', 'link-latency'],

  // ---- checks ----
  checks: [
    {
      name: 'recovers-without-intervention',
      description: 'within 10 incident minutes of the network disruption ending, the customer error rate is below 1% and stays there',
      check({ registry, faults }) {
        const series = registry.series.get('storage.disqualified-share');
        if (!series) return { status: 'unknown', detail: 'no samples' };
        const fromUs = triggerEndUs(faults) + 10 * MINUTE_US;
        const bad = series.windows().filter((w) => w.startUs >= fromUs && w.count > 0 && w.sum / w.count >= 0.01);
        if (bad.length === 0) return { status: 'ok', detail: `error rate below 1% from ${clockOf(fromUs)} on` };
        const worst = Math.max(...bad.map((w) => w.sum / w.count));
        return {
          status: 'fail',
          detail: `the error rate was ≥ 1% in ${bad.length} minute(s) from ${clockOf(fromUs)} on (the network had been fine since ${clockOf(triggerEndUs(faults))}), up to ${pct(worst)}; the last such minute was ${clockOf(bad.at(-1)!.startUs)}`,
          firstFailedAtMs: bad[0]!.startUs / 1000,
        };
      },
    },
    {
      name: 'disqualification-bounded',
      description: 'no storage server stays out of service for more than 15 incident minutes',
      check({ metrics }) {
        const m = metrics.longestDisqualificationMin as number;
        return { status: m <= 15 ? 'ok' : 'fail', detail: `the longest a storage server stayed disqualified: ${m} minutes (allowed 15)` };
      },
    },
  ],
  keyMetrics: ['errorRateAt237', 'errorRatePlateau', 'normalAgainAt', 'longestDisqualificationMin', 'membershipTimeouts', 'metadataWorkWasted'],
});

/** When the last fault of the plan ends (the trigger). */
function triggerEndUs(plan: FaultPlan): number {
  let t = 0;
  for (const e of plan) t = Math.max(t, e.at + (e.for ?? 0));
  return t;
}

/** The incident clock from which every later minute has an error rate below 1%, or "never". */
function normalAgainAt(w: readonly { startUs: number; count: number; sum: number }[], fromMinute: number): string {
  let last = -1;
  for (let i = fromMinute; i < w.length; i++) if (w[i]!.count > 0 && w[i]!.sum / w[i]!.count >= 0.01) last = i;
  if (last === w.length - 1) return 'never';
  return clockOf((last + 1) * MINUTE_US);
}

/**
 * Egalitarian processor sharing: n jobs on `cores` cores each progress at min(1, cores / n) (and
 * 1 / slowdown while the node limps). The world's nodes serve FIFO, one job per core; a
 * thread-per-request server time-slicing its CPUs behaves like this instead, which is what makes
 * every extra request slow down all the others.
 */
class SharedCpu {
  private readonly jobs: { remainingUs: number; done: () => void }[] = [];
  private lastUs = 0;
  private timer = -1;
  constructor(
    private readonly sim: Simulation,
    private readonly node: Node,
    private readonly cores: number,
  ) {}

  run(workUs: number, done: () => void): void {
    this.advance();
    this.jobs.push({ remainingUs: workUs, done });
    this.reschedule();
  }

  private rate(): number {
    const n = this.jobs.length;
    return (n <= this.cores ? 1 : this.cores / n) / this.node.slowdown;
  }

  private advance(): void {
    const elapsed = this.sim.now - this.lastUs;
    this.lastUs = this.sim.now;
    if (elapsed <= 0 || this.jobs.length === 0) return;
    const progress = elapsed * this.rate();
    for (const j of this.jobs) j.remainingUs -= progress;
  }

  private reschedule(): void {
    if (this.timer !== -1) this.sim.cancel(this.timer);
    this.timer = -1;
    if (this.jobs.length === 0) return;
    let min = Infinity;
    for (const j of this.jobs) if (j.remainingUs < min) min = j.remainingUs;
    this.timer = this.sim.schedule(Math.max(1, Math.ceil(min / this.rate())), () => this.complete(), null);
  }

  private complete(): void {
    this.timer = -1;
    this.advance();
    // finish every job within a microsecond of its end (rounding), in arrival order
    const finished = this.jobs.filter((j) => j.remainingUs < 1);
    for (let i = this.jobs.length - 1; i >= 0; i--) if (this.jobs[i]!.remainingUs < 1) this.jobs.splice(i, 1);
    this.reschedule();
    for (const j of finished) j.done();
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(1)}%`;
}
