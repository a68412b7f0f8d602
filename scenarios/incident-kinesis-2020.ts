/**
 * The Amazon Kinesis event of 25 November 2020 (us-east-1): a small capacity addition pushed every
 * front-end server past the operating system's thread limit, because each server keeps one thread
 * per other front-end server.
 */
import { defineScenario, InputError } from 'faultline';

/** The simulation starts at 02:00 PST on 25 November 2020; times below are minutes after midnight. */
const START_MIN = 2 * 60;
const HOUR_US = 3_600_000_000;
const MIN_US = 60_000_000;
/** Postmortem timeline (PST), minutes after midnight. */
const ADD_FROM_MIN = 2 * 60 + 44;
const ADD_TO_MIN = 3 * 60 + 47;
const ALARM_PM_MIN = 5 * 60 + 15;
const RECOVERED_PM_MIN = 22 * 60 + 23;
/** The run ends at 23:30 PST. */
const END_MIN = 23 * 60 + 30;
/** An operator's alarm: a 5-minute window in which more than 5 % of requests fail. */
const ALARM_WINDOW_US = 5 * MIN_US;
const ALARM_ERROR_RATE = 0.05;

const clock = (us: number): string => {
  const m = Math.round(START_MIN + us / MIN_US);
  return `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};
const atMin = (min: number): number => (min - START_MIN) * MIN_US;
const hourOf = (us: number | null): number | null => (us === null ? null : Math.round((START_MIN + us / MIN_US) / 60 * 100) / 100);

type ServerState = 'serving' | 'broken' | 'restarting' | 'removed';

interface Server {
  id: number;
  cell: number;
  /** Peers in the same cell this server has learned of (one thread each in the thread-per-peer design). */
  peersKnown: number;
  state: ServerState;
  added: boolean;
}

export default defineScenario({
  name: 'incident-kinesis-2020',
  title: 'Incident: Amazon Kinesis, us-east-1, 25 November 2020 (thread-per-peer limit)',
  description: `
**What happened.** Kinesis routes requests through a *front-end* fleet of many thousands of servers
that keep a cache of shard ownership, the *shard-map*. Building it involves continuous messages from
the other front-end servers, and *each front-end server creates an operating-system thread for each
of the other servers in the fleet*. From 2:44 to 3:47 AM PST a relatively small amount of capacity
was added to the front-end fleet. Existing members learn of new participants over *up to an hour*;
as they did, every server needed more threads than the OS configuration allowed, shard-map
construction failed, and front-end servers were left with useless shard-maps that could not route
requests to the back-end clusters. The first alarms fired at 5:15 AM PST. The team removed the
added capacity and restarted the fleet, which had to be done gradually (a restarting server's
shard-map construction competes for CPU and memory with request processing); Kinesis was fully
recovered at 10:23 PM PST. CloudWatch, Cognito, Lambda and other services that use Kinesis were
impaired with it.

**The model.** A scaled fleet: 500 front-end servers that each run 300 threads of their own plus one
per peer (799 in all), against a limit of 808: 1 % headroom, and nothing alarmed on it. At 2:44 PST, 10
servers (2 %) join over 63 minutes; every existing server learns of each after U(0, 60 min). A
server whose threads would exceed the limit fails to build its shard-map and fails every request
routed to it until it is restarted. Requests arrive every 10 s on average, at a random front-end.
At 9:39 PST (the postmortem's time of diagnosis) the added servers are removed and the broken ones
restarted at 40 an hour: ~8 % of the fleet per hour, which puts the last restart near the
postmortem's 10:23 PM.

**Reproduced.** The timing that made it hard to see: nothing breaks while capacity is added; the
fleet fails together in the hour after, as members learn of the new servers (first alarm in the
model ~4:30 vs 5:15 in the postmortem, which does not give its alarm thresholds); full recovery
after about 13 hours of restarts. The postmortem gives no fleet size, thread limit or traffic; the
numbers above are chosen to show the shape, not the scale.

**What fixes it.** The postmortem's own actions: move to larger servers (fewer servers, so fewer
threads per server: \`fewer-larger-servers\`), alarm on thread consumption, and cellularize the
front-end as the back-end already was, so a server talks only to the servers of its cell
(\`cellularized\`). The general fix is to never let a per-server resource grow with the size of the
fleet: a bounded pool of peer-communication threads (or asynchronous I/O) makes the thread count
independent of N (\`bounded-threads\`).

Reference: AWS, "Summary of the Amazon Kinesis Event in the Northern Virginia (US-EAST-1) Region"
(November 2020), https://aws.amazon.com/message/11201/ ; on cells: AWS Well-Architected, "Reducing the
Scope of Impact with Cell-Based Architecture", https://docs.aws.amazon.com/wellarchitected/latest/reducing-scope-of-impact-with-cell-based-architecture/ .
`.trim(),
  params: {
    servers: { type: 'number', default: 500, min: 2, max: 20_000, integer: true, description: 'front-end servers before the addition' },
    addServers: { type: 'number', default: 10, min: 0, max: 20_000, integer: true, description: 'servers added from 2:44 to 3:47 PST' },
    threadsBase: { type: 'number', default: 300, min: 0, max: 1_000_000, integer: true, description: 'threads a server runs besides peer communication' },
    threadsMax: { type: 'number', default: 808, min: 1, max: 10_000_000, integer: true, description: 'the OS limit on threads per server (threads-max / nproc)' },
    peerThreads: { type: 'enum', default: 'per-peer', values: ['per-peer', 'bounded-pool'], description: 'one thread per peer (as in 2020) or a fixed pool for all peers' },
    peerPoolThreads: { type: 'number', default: 64, min: 1, max: 100_000, integer: true, description: 'size of the bounded peer-communication pool' },
    cellSize: { type: 'number', default: 0, min: 0, max: 20_000, integer: true, description: 'servers per front-end cell; a server talks only to its cell (0: one fleet-wide cell)' },
    learnWithinMin: { type: 'number', default: 60, min: 0, max: 1440, unit: 'min', description: 'existing servers learn of a new one after U(0, this) ("up to an hour")' },
    diagnosedAtMin: { type: 'number', default: 9 * 60 + 39, min: 0, max: END_MIN, unit: 'min after midnight', description: 'when the added capacity is removed and restarts begin (9:39 PST)' },
    restartsPerHour: { type: 'number', default: 40, min: 1, max: 100_000, unit: '1/h', description: 'rate of front-end restarts during recovery' },
    requestsPerSec: { type: 'number', default: 0.1, min: 0.001, max: 100, unit: '1/s', description: 'sampled customer requests (each to a random front-end)' },
  },
  variants: {
    'as-it-happened': {
      description: '500 servers, one thread per peer, 1 % thread headroom; 10 servers added',
      expectFail: ['threads-within-os-limit', 'availability'],
    },
    'bounded-threads': {
      description: 'the same fleet and addition, peer messages served by a fixed pool of 64 threads',
      params: { peerThreads: 'bounded-pool' },
    },
    'fewer-larger-servers': {
      description: 'the postmortem’s first fix: 4× larger servers, so 125 of them (+3 added), one thread per peer',
      params: { servers: 125, addServers: 3 },
    },
    cellularized: {
      description: 'the postmortem’s long-term fix: cells of 100 front-end servers, one thread per peer within the cell',
      params: { cellSize: 100 },
    },
  },
  // The trigger was an operational change (a capacity addition), not an injected fault; it is
  // modelled by the params above. Crashes can be explored on top with `faultline check`.
  faults: [],
  faultKinds: ['crash', 'restart'],
  keyMetrics: ['threadsPeak', 'threadHeadroomPctBefore', 'serversBrokenPeak', 'availability', 'firstAlarmHourPst', 'recoveredHourPst', 'outageHours'],
  build({ sim, params: p, random, requests }) {
    const rng = random.get('kinesis');
    const endUs = atMin(END_MIN);

    // ── components ──────────────────────────────────────────────────────────────
    // The front-end fleet, in cells (one cell when cellSize is 0). A server's threads: its own
    // plus one per known peer of its cell, or a fixed pool.
    const cellSize = p.cellSize > 0 ? p.cellSize : Infinity;
    const fleet: Server[] = [];
    const cellMembers = new Map<number, number>();
    const join = (added: boolean): Server => {
      // new servers fill the last cell, then open a new one
      const cell = Number.isFinite(cellSize) ? Math.floor(fleet.length / cellSize) : 0;
      const s: Server = { id: fleet.length, cell, peersKnown: 0, state: 'serving', added };
      fleet.push(s);
      cellMembers.set(cell, (cellMembers.get(cell) ?? 0) + 1);
      return s;
    };
    const threadsOf = (s: Server): number => p.threadsBase + (p.peerThreads === 'per-peer' ? s.peersKnown : Math.min(p.peerPoolThreads, s.peersKnown));
    let threadsPeak = 0;
    let firstOverLimitUs: number | null = null;
    let brokenNow = 0;
    let brokenPeak = 0;
    let lastRepairUs: number | null = null;
    // A server needs a thread for a newly learned peer; past the limit its shard-map build fails.
    const learn = (s: Server): void => {
      if (s.state === 'removed' || s.state === 'restarting') return;
      s.peersKnown++;
      const t = threadsOf(s);
      threadsPeak = Math.max(threadsPeak, t);
      if (t > p.threadsMax) {
        firstOverLimitUs ??= sim.now;
        if (s.state === 'serving') {
          s.state = 'broken';
          brokenNow++;
          brokenPeak = Math.max(brokenPeak, brokenNow);
        }
      }
    };
    for (let i = 0; i < p.servers; i++) join(false);
    for (const s of fleet) {
      s.peersKnown = cellMembers.get(s.cell)! - 1;
      threadsPeak = Math.max(threadsPeak, threadsOf(s));
    }
    const headroomBefore = 1 - threadsPeak / p.threadsMax;
    if (threadsPeak > p.threadsMax) {
      throw new InputError(`incident-kinesis-2020: the fleet already needs ${threadsPeak} threads per server before the addition, over threadsMax ${p.threadsMax}; raise threadsMax or lower servers`);
    }

    // ── wiring: the capacity addition (2:44–3:47 PST) ─────────────────────────────
    // A new server starts knowing every peer of its cell (it builds its shard-map at start); each
    // existing member of the cell learns of it after U(0, learnWithinMin).
    for (let k = 0; k < p.addServers; k++) {
      const atUs = atMin(ADD_FROM_MIN) + Math.round(((k + rng.next()) / Math.max(1, p.addServers)) * (ADD_TO_MIN - ADD_FROM_MIN) * MIN_US);
      sim.schedule(atUs, () => {
        const s = join(true);
        const members = fleet.filter((x) => x.cell === s.cell && x !== s && x.state !== 'removed');
        s.peersKnown = 0;
        for (let i = 0; i < members.length; i++) learn(s);
        for (const m of members) sim.schedule(Math.round(rng.next() * p.learnWithinMin * MIN_US), learn, m);
      }, null);
    }

    // ── recovery as operated: remove the added servers, then restart the broken ones slowly ──
    sim.schedule(atMin(p.diagnosedAtMin), () => {
      if (brokenNow === 0) return;
      for (const s of fleet) {
        if (!s.added || s.state === 'removed') continue;
        if (s.state === 'broken') brokenNow--;
        s.state = 'removed';
        cellMembers.set(s.cell, cellMembers.get(s.cell)! - 1);
      }
      const queue = fleet.filter((s) => s.state === 'broken');
      const gapUs = HOUR_US / p.restartsPerHour;
      queue.forEach((s, i) => {
        sim.schedule(Math.round((i + 1) * gapUs), () => {
          // restarted with the fleet back at its old size: the shard-map builds again
          s.peersKnown = cellMembers.get(s.cell)! - 1;
          s.state = threadsOf(s) > p.threadsMax ? 'broken' : 'serving';
          if (s.state === 'serving') {
            brokenNow--;
            lastRepairUs = sim.now;
          }
        }, null);
      });
    }, null);

    // ── workload: sampled customer requests, each to a random front-end ───────────
    const windows: { n: number; failed: number }[] = [];
    const gapUs = 1e6 / p.requestsPerSec;
    const request = (): void => {
      // a random front-end behind the load balancer (removed servers are out of it)
      let s = fleet[Math.floor(rng.next() * fleet.length)]!;
      while (s.state === 'removed') s = fleet[Math.floor(rng.next() * fleet.length)]!;
      const ok = s.state === 'serving';
      requests.record(sim.now, ok, 20_000, ok ? undefined : 'shard-map-unavailable', 'customers');
      const w = Math.floor(sim.now / ALARM_WINDOW_US);
      while (windows.length <= w) windows.push({ n: 0, failed: 0 });
      windows[w]!.n++;
      if (!ok) windows[w]!.failed++;
      if (sim.now + gapUs < endUs) sim.schedule(Math.round(rng.exponential(gapUs)), request, null);
    };
    sim.schedule(Math.round(rng.exponential(gapUs)), request, null);

    return {
      untilUs: endUs,
      metrics() {
        const alarmAt = windows.findIndex((w) => w.n >= 5 && w.failed / w.n > ALARM_ERROR_RATE);
        const firstAlarmUs = alarmAt < 0 ? null : (alarmAt + 1) * ALARM_WINDOW_US;
        const recoveredUs = brokenPeak === 0 ? null : lastRepairUs;
        return {
          threadsPeak,
          threadsMax: p.threadsMax,
          threadHeadroomPctBefore: Math.round(headroomBefore * 10_000) / 100,
          firstOverLimitHourPst: hourOf(firstOverLimitUs),
          serversBrokenPeak: brokenPeak,
          fleetPeak: fleet.length,
          firstAlarmHourPst: hourOf(firstAlarmUs),
          recoveredHourPst: brokenNow === 0 ? hourOf(recoveredUs) : null,
          outageHours: firstAlarmUs !== null && recoveredUs !== null ? Math.round(((recoveredUs - firstAlarmUs) / HOUR_US) * 10) / 10 : 0,
          timeline: {
            firstOverLimit: firstOverLimitUs === null ? null : clock(firstOverLimitUs),
            firstAlarm: firstAlarmUs === null ? null : clock(firstAlarmUs),
            recovered: recoveredUs === null ? null : clock(recoveredUs),
          },
        };
      },
    };
  },
  checks: [
    {
      name: 'threads-within-os-limit',
      description: 'no front-end server ever needs more threads than the OS allows',
      check({ metrics }) {
        const peak = metrics.threadsPeak as number;
        const max = metrics.threadsMax as number;
        const first = metrics.firstOverLimitHourPst as number | null;
        const tl = metrics.timeline as { firstOverLimit: string | null };
        if (peak <= max) return { status: 'ok', detail: `peak ${peak} threads per server, limit ${max}` };
        return {
          status: 'fail',
          detail: `peak ${peak} threads per server > limit ${max} (first at ${tl.firstOverLimit} PST, after the addition began at 02:44); ${metrics.serversBrokenPeak} of ${metrics.fleetPeak} servers lost their shard-map`,
          firstFailedAtMs: first === null ? null : Math.round((first * 60 - START_MIN) * 60_000),
        };
      },
    },
    {
      name: 'availability',
      description: 'at least 99.9 % of customer requests are routed (postmortem: the fleet could not route from about 5:15 AM to 10:23 PM PST)',
      check({ metrics }) {
        const a = metrics.availability as number;
        const tl = metrics.timeline as { firstAlarm: string | null; recovered: string | null };
        if (a >= 0.999) return { status: 'ok', detail: `${(a * 100).toFixed(2)} % of ${metrics.requests} requests routed` };
        return {
          status: 'fail',
          detail: `${(a * 100).toFixed(2)} % routed; first alarm ${tl.firstAlarm} PST (postmortem 05:15), recovered ${tl.recovered ?? 'never'} PST (postmortem 22:23), ${metrics.outageHours} h`,
          firstFailedAtMs: null,
        };
      },
    },
  ],
});
