/**
 * Stop-the-world GC pauses against failure detectors: a fixed heartbeat timeout either evicts
 * paused-but-alive nodes or detects real crashes slowly; phi accrual with an acceptable pause does
 * neither.
 */
import { defineScenario } from 'faultline';
import type { FailureDetectorMonitor } from 'faultline/patterns';

const MEMBERS = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
/** The member that really crashes (at CRASH_AT_MS, and stays down). */
const CRASHED = 'n6';
const CRASH_AT_MS = 62_000;
const RUN_MS = 80_000;

interface Eviction {
  node: string;
  atMs: number;
  alive: boolean;
  gapMs: number;
}

export default defineScenario({
  name: 'gc-pause-detector',
  title: 'GC pauses vs failure detectors: fixed timeout or phi accrual',
  description: `
**What happens.** Six cluster members send a heartbeat to the cluster leader every second (Akka's
\`heartbeat-interval\`). The leader runs one failure detector per member and removes (downs) a member
as soon as its detector suspects it. During the run, five members suffer stop-the-world garbage
collection pauses of 1–3 s (a JVM full GC, a SIGSTOP, a VM migration): for the length of the pause
the process does nothing, so no heartbeat leaves it, and then it carries on as if nothing happened.
At 62 s one member crashes for real.

**Why it hurts.** A fixed heartbeat timeout has to choose. Set short (2 s, "two missed
heartbeats"), it declares a paused member dead and the cluster evicts a healthy node, which then
has to rejoin, moving its shards or leadership twice; with enough members and pauses this
becomes a steady churn. Set long enough to ride out every pause (10 s), it takes 10 s or more to
notice the member that really crashed, and requests routed to it fail for that long.

**What fixes it.** The phi accrual failure detector (Hayashibara et al.) does not answer "alive or
dead" but "how surprising is this silence", given the distribution of heartbeat intervals it has
seen. Akka adds \`acceptable-heartbeat-pause\` (3 s by default) to the expected interval, so a silence
up to about 4 s is not surprising, and suspects when φ crosses its \`threshold\` (8): with
\`min-std-deviation\` 100 ms, that is about half a second later. Pauses up to 3 s pass unnoticed, and the
real crash is still detected in under 5 s. The general rule from Akka's documentation: set the
acceptable pause above the longest GC pause you expect, and measure your GC pauses.

References: N. Hayashibara, X. Défago, R. Yared, T. Katayama, "The φ Accrual Failure Detector",
SRDS 2004, https://doi.org/10.1109/RELDIS.2004.1353004 ; Akka cluster failure detector,
https://doc.akka.io/docs/akka/current/typed/failure-detector.html ; T. D. Chandra and S. Toueg,
"Unreliable Failure Detectors for Reliable Distributed Systems", JACM 1996.
`.trim(),
  params: {
    detector: { type: 'enum', default: 'fixed-timeout', values: ['fixed-timeout', 'phi-accrual'], description: 'the leader’s failure detector per member' },
    heartbeatIntervalMs: { type: 'number', default: 1000, min: 10, max: 60_000, unit: 'ms', description: 'Akka cluster heartbeat-interval' },
    timeoutMs: { type: 'number', default: 2000, min: 1, max: 600_000, unit: 'ms', description: 'fixed-timeout detector: suspect after this long without a heartbeat' },
    threshold: { type: 'number', default: 8, min: 0.1, max: 100, description: 'phi accrual threshold (Akka failure-detector.threshold)' },
    acceptableHeartbeatPauseMs: { type: 'number', default: 3000, min: 0, max: 600_000, unit: 'ms', description: 'Akka failure-detector.acceptable-heartbeat-pause' },
    minStdDeviationMs: { type: 'number', default: 100, min: 1, max: 60_000, unit: 'ms', description: 'Akka failure-detector.min-std-deviation' },
    pausesPerMember: { type: 'number', default: 2, min: 0, max: 20, integer: true, description: 'GC pauses per member (members n1..n5)' },
    pauseMsMin: { type: 'number', default: 1000, min: 1, max: 60_000, unit: 'ms', description: 'shortest GC pause' },
    pauseMsMax: { type: 'number', default: 3000, min: 1, max: 60_000, unit: 'ms', description: 'longest GC pause' },
    detectionBoundMs: { type: 'number', default: 6000, min: 1, max: 600_000, unit: 'ms', description: 'the real crash must be detected within this long' },
  },
  variants: {
    'fixed-timeout-2s': {
      description: 'suspect after 2 s of silence: fast detection, but GC pauses evict live nodes',
      params: { detector: 'fixed-timeout', timeoutMs: 2000 },
      expectFail: ['no-false-suspicion'],
    },
    'fixed-timeout-10s': {
      description: 'suspect after 10 s of silence: no false suspicions, but a real crash goes unnoticed for 10 s',
      params: { detector: 'fixed-timeout', timeoutMs: 10_000 },
      expectFail: ['crash-detected-in-time'],
    },
    'phi-accrual': {
      description: 'Akka phi accrual: threshold 8, acceptable-heartbeat-pause 3 s, min-std-deviation 100 ms',
      params: { detector: 'phi-accrual' },
    },
  },
  // A GC-pause nemesis: each of n1..n5 pauses `pausesPerMember` times, at random times 10–55 s, for
  // U(pauseMsMin, pauseMsMax); then n6 crashes for good. The draws are written into the plan.
  faults: (p, random) => {
    const plan: Record<string, unknown>[] = [];
    for (const node of MEMBERS.filter((n) => n !== CRASHED)) {
      for (let i = 0; i < p.pausesPerMember; i++) {
        // one pause per slot of the 10–55 s span, so a member's pauses never overlap
        const slotMs = 45_000 / p.pausesPerMember;
        const atMs = Math.round(10_000 + i * slotMs + random.next() * (slotMs - p.pauseMsMax));
        const forMs = Math.round(p.pauseMsMin + random.next() * Math.max(0, p.pauseMsMax - p.pauseMsMin));
        plan.push({ at: `${atMs}ms`, kind: 'pause', target: node, for: `${forMs}ms` });
      }
    }
    plan.push({ at: `${CRASH_AT_MS}ms`, kind: 'crash', target: CRASHED });
    return plan;
  },
  faultKinds: ['pause', 'crash', 'link-latency'],
  // what to look at: the guided tour's own steps
  lookAt: [
    {
      at: '10s',
      text: 'From here on each member (n1 to n5) pauses for 1 to 3 s now and then, as a long GC does: a paused node sends no heartbeat. Does the leader suspect a node that is only paused?',
      nodes: ['leader'],
    },
    {
      at: `${CRASH_AT_MS + 1000}ms`,
      text: `${CRASHED} has crashed for good. Count the seconds until the leader suspects it: a fixed timeout waits its whole 2 s or 10 s, phi accrual adapts to the heartbeats it has seen.`,
      nodes: [CRASHED, 'leader'],
    },
  ],
  keyMetrics: ['gcPauses', 'falseSuspicions', 'longestPauseMs', 'crashDetectionMs'],
  build({ sim, params: p, random, faults, world: makeWorld, failureDetectorMonitor, heartbeatFailureDetector, phiAccrualFailureDetector }) {
    // ── components ──────────────────────────────────────────────────────────────
    // The leader and six members; a LAN with a little jitter.
    const world = makeWorld({
      nodes: ['leader', ...MEMBERS],
      network: { latency: { dist: 'lognormal', median: '1ms', sigma: 0.5 } },
    });

    // ── wiring ──────────────────────────────────────────────────────────────────
    // One detector per member at the leader. Ground truth for the metrics: a crash is a crash; a
    // pause is not (the node is alive and resumes where it was).
    const evictions: Eviction[] = [];
    const lastHeartbeatUs = new Map<string, number>();
    const monitors = new Map<string, FailureDetectorMonitor>();
    for (const member of MEMBERS) {
      const detector = p.detector === 'phi-accrual'
        ? phiAccrualFailureDetector({
            threshold: p.threshold,
            acceptableHeartbeatPauseMs: p.acceptableHeartbeatPauseMs,
            minStdDeviationMs: p.minStdDeviationMs,
            firstHeartbeatEstimateMs: p.heartbeatIntervalMs,
          })
        : heartbeatFailureDetector({ timeoutMs: p.timeoutMs });
      const monitor = failureDetectorMonitor({
        node: 'leader',
        name: `fd-${member}`,
        detector,
        target: member,
        // The leader downs a suspected member at once (auto-downing): a live member evicted this
        // way must restart and rejoin.
        onSuspect: (atUs) => {
          const node = world.node(member);
          evictions.push({ node: member, atMs: atUs / 1000, alive: node.alive, gapMs: (atUs - (lastHeartbeatUs.get(member) ?? 0)) / 1000 });
        },
      });
      monitors.set(member, monitor);
      world.node(member).onCrash(() => monitor.targetCrashed());
    }
    world.net.listen('leader', (msg) => {
      const from = msg.payload as string;
      lastHeartbeatUs.set(from, sim.now);
      monitors.get(from)?.heartbeat();
    });

    // Each member's heartbeat task: a timer on its own clock, and the send itself runs on the
    // node's CPU, so a stop-the-world pause holds it back (and a crash ends it). At most one
    // heartbeat waits behind a pause: a scheduler skips ticks it missed rather than replaying them.
    for (const member of MEMBERS) {
      const node = world.node(member);
      let waiting = false;
      const send = (): void => {
        waiting = false;
        world.net.send(member, 'leader', member);
      };
      const tick = (): void => {
        if (!waiting) {
          waiting = true;
          node.execute(send, null, 0);
        }
        node.setTimer(p.heartbeatIntervalMs * 1000, tick, null);
      };
      // members start at slightly different times, as processes do
      node.setTimer(Math.round(random.get(`start/${member}`).next() * p.heartbeatIntervalMs * 1000), tick, null);
    }

    return {
      untilUs: RUN_MS * 1000,
      finish: () => {
        for (const m of monitors.values()) m.stop();
      },
      metrics() {
        const pauses = faults.filter((f) => f.kind === 'pause');
        const crashed = monitors.get(CRASHED)!;
        const falseOnes = evictions.filter((e) => e.alive);
        return {
          gcPauses: pauses.length,
          longestPauseMs: Math.max(0, ...pauses.map((f) => Number(f.for ?? 0) / 1000)),
          falseSuspicions: falseOnes.length,
          evictions: evictions.map((e) => ({ ...e, atMs: Math.round(e.atMs), gapMs: Math.round(e.gapMs) })),
          crashDetectionMs: crashed.detectionTimeUs.count > 0 ? Math.round(crashed.detectionTimeUs.max / 1000) : null,
        };
      },
    };
  },
  checks: [
    {
      name: 'no-false-suspicion',
      description: 'no member that is alive (paused by GC, not crashed) is ever suspected and evicted',
      check({ metrics }) {
        const ev = (metrics.evictions as Eviction[]).filter((e) => e.alive);
        if (ev.length === 0) return { status: 'ok', detail: `${metrics.gcPauses} GC pauses (longest ${metrics.longestPauseMs} ms), no live member suspected` };
        const list = ev.map((e) => `${e.node} at ${(e.atMs / 1000).toFixed(1)} s after ${(e.gapMs / 1000).toFixed(2)} s of silence`).join('; ');
        return { status: 'fail', detail: `${ev.length} live members evicted: ${list}`, firstFailedAtMs: ev[0]!.atMs };
      },
    },
    {
      name: 'crash-detected-in-time',
      description: 'the member that really crashes is suspected within detectionBoundMs (6 s) of its crash',
      check({ metrics, params }) {
        const d = metrics.crashDetectionMs as number | null;
        const bound = params.detectionBoundMs;
        if (d !== null && d <= bound) return { status: 'ok', detail: `${CRASHED} crashed at ${CRASH_AT_MS / 1000} s, suspected ${d} ms later (bound ${bound} ms)` };
        return {
          status: 'fail',
          detail: d === null ? `${CRASHED} crashed at ${CRASH_AT_MS / 1000} s and was never suspected` : `${CRASHED} suspected ${d} ms after its crash (bound ${bound} ms)`,
          firstFailedAtMs: CRASH_AT_MS + bound,
        };
      },
    },
  ],
});
