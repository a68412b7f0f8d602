/**
 * The canonical fault kinds, declared as data: the plan validator and the JSON Schema are derived
 * from these declarations (`sim/faults/plan.ts`), and `sim/world/faults.ts` applies them.
 *
 * Names and parameters follow the real tools so a plan maps to a chaos experiment and back:
 * Chaos Mesh (PodChaos, NetworkChaos, IOChaos, TimeChaos, StressChaos), Toxiproxy toxics,
 * AWS FIS actions, LitmusChaos experiments, Netflix Chaos Monkey, and Jepsen's nemeses. Each
 * description names its counterparts; `docs/FAULTS.md` has the full crosswalk.
 *
 * Target selectors: a node name, `*` (every node), `zone:<name>` or `rack:<name>`; disk faults
 * take a disk name (`db1`, `db1/wal`) or a node name (all its disks).
 *
 * Importing this module registers the kinds (once per process); `sim/index.ts` imports it so
 * that any use of the public API can parse plans.
 */
import { durationSampler, type DistributionSpec } from '../kernel/distribution.ts';
import { stripControl, truncate } from '../kernel/show.ts';
import { faultKindSpec, registerFaultKind, type FaultKindSpec, type FieldSpec } from './plan.ts';
import {
  CLOCK_STEP_MS_MAX,
  COUNT_MAX,
  DRIFT_PPM_MAX,
  FACTOR_MAX,
  FLIP_RATE_MAX,
  LEAK_MB_PER_HOUR_MAX,
  RATE_KB_PER_SEC_MAX,
  STAGES_MAX,
} from '../world/fault-limits.ts';

const target: FieldSpec = { type: 'string', required: true, description: 'node name, "*", "zone:<name>" or "rack:<name>"' };
const diskTarget: FieldSpec = { type: 'string', required: true, description: 'disk name ("db1", "db1/wal") or a node name (all its disks)' };
const linkFields: Record<string, FieldSpec> = {
  from: { type: 'string', description: 'sending side: node name, "*", "zone:<name>" or "rack:<name>" (default "*"; Chaos Mesh `selector`)' },
  to: { type: 'string', description: 'receiving side, same forms (default "*"; Chaos Mesh `target`)' },
  direction: {
    type: 'enum',
    values: ['to', 'from', 'both'],
    description: 'Chaos Mesh `direction`: to (from→to only, default), from (to→from only), both',
  },
  toxicity: {
    type: 'number',
    min: 0,
    max: 1,
    description:
      'Toxiproxy `toxicity`: the probability, rolled once per link (one direction of one node pair) when the fault starts, that the fault applies to that link at all — not per message (default 1)',
  },
};
const percent = (what: string, dflt: number): FieldSpec => ({
  type: 'number',
  min: 0,
  max: 100,
  description: `${what} (default ${dflt})`,
});

export const FAULT_KINDS: readonly FaultKindSpec[] = [
  {
    kind: 'crash',
    description:
      'Crash a node (its process, and with scope machine its unsynced disk writes). With `for`, the node stays crashed for `for`, then restarts, which takes its restart delay: it serves again at at + for + restartDelay (AWS FIS stop-instances with startInstancesAfterDuration behaves so); without `for` it stays down. Chaos Mesh PodChaos pod-kill/pod-failure, AWS FIS aws:ec2:stop-instances, Litmus pod-delete.',
    fields: {
      target,
      scope: { type: 'enum', values: ['machine', 'process'], description: 'machine (power/instance stop: unsynced writes lost, default) or process (kill -9: page cache survives)' },
    },
    duration: 'optional',
    example: { at: '10s', kind: 'crash', target: 'db1', for: '30s' },
  },
  {
    kind: 'restart',
    description: 'Restart a node now: down for its restart delay, volatile state lost. AWS FIS aws:ec2:reboot-instances, Chaos Mesh AWSChaos ec2-restart, GCP node-reset.',
    fields: { target, restartDelay: { type: 'duration', description: 'time until serving again (default: the node’s restartDelay)' } },
    duration: 'none',
    example: { at: '10s', kind: 'restart', target: 'db1', restartDelay: '5s' },
  },
  {
    kind: 'pause',
    description: 'Stop the world on a node (SIGSTOP, a long GC pause): nothing runs, messages wait, work resumes after. Jepsen pause nemesis, TigerBeetle VOPR pause.',
    fields: { target },
    duration: 'required',
    example: { at: '10s', kind: 'pause', target: 'db1', for: '2s' },
  },
  {
    kind: 'limp',
    description: 'Gray failure: the node serves every request `factor` times slower. Chaos Mesh StressChaos cpu, AWS FIS aws:ecs:task-cpu-stress, Litmus pod-cpu-hog.',
    fields: { target, factor: { type: 'number', min: 1, max: FACTOR_MAX, description: 'service-time multiplier (default 10)' } },
    duration: 'optional',
    example: { at: '10s', kind: 'limp', target: 'db1', factor: 5, for: '1m' },
  },
  {
    kind: 'oom',
    description:
      'OOM-kill a node now, or with leakMbPerHour make it leak until its memory limit kills it; the supervisor restarts it with CrashLoopBackOff. Chaos Mesh StressChaos memory, AWS FIS aws:eks:pod-memory-stress, Litmus pod-memory-hog.',
    fields: { target, leakMbPerHour: { type: 'number', min: 0, max: LEAK_MB_PER_HOUR_MAX, explore: [0, 600_000], description: 'leak rate in MiB per hour while the fault lasts (omit to kill at once)' } },
    duration: 'optional',
    example: { at: '10s', kind: 'oom', target: 'db1', leakMbPerHour: 60000, for: '5m' },
  },
  {
    kind: 'partition',
    description:
      'Cut the network between groups of nodes: explicit groups, isolate one node, majority/minority, bridge, or random halves; one-way with direction. Chaos Mesh NetworkChaos partition, AWS FIS aws:network:disrupt-connectivity, Jepsen partition nemeses.',
    fields: {
      mode: {
        type: 'enum',
        values: ['groups', 'isolate', 'majority-minority', 'bridge', 'random-halves'],
        description: 'shape (default: groups if given, isolate if target given, else random-halves)',
      },
      groups: { type: 'groups', description: 'lists of node names; nodes in different groups cannot talk, nodes in no group are unaffected' },
      target: { type: 'string', description: 'the node to isolate (mode isolate)' },
      nodes: { type: 'strings', description: 'nodes to split for random modes (default all)' },
      direction: { type: 'enum', values: ['both', 'to', 'from'], description: 'both (default), to (first group cannot reach the others), from (others cannot reach the first group)' },
    },
    duration: 'optional',
    example: { at: '30s', kind: 'partition', groups: [['a', 'b'], ['c']], for: '20s' },
    // the same defaults the world applies (sim/world/faults.ts), checked when the plan loads
    validate(e) {
      const mode = e.mode ?? (e.groups !== undefined ? 'groups' : e.target !== undefined ? 'isolate' : 'random-halves');
      if (mode === 'groups' && e.groups === undefined) return 'mode "groups" needs groups, such as [["a","b"],["c"]]';
      if (mode === 'isolate' && e.target === undefined) return 'mode "isolate" needs a target node';
      if (mode !== 'groups' && e.groups !== undefined) return `groups are only used with mode "groups", not "${String(mode)}"`;
      if (mode !== 'isolate' && e.target !== undefined) return `target is only used with mode "isolate", not "${String(mode)}"`;
      if (Array.isArray(e.nodes) && e.nodes.length < 2 && mode !== 'groups') return `mode "${String(mode)}" needs at least 2 nodes to split`;
      return undefined;
    },
  },
  {
    kind: 'heal',
    description: 'Heal every partition now (Jepsen :stop-partition; turmoil repair).',
    fields: {},
    duration: 'none',
    example: { at: '50s', kind: 'heal' },
  },
  {
    kind: 'link-latency',
    description: 'Add latency (with jitter, or any distribution) to messages on links. Toxiproxy latency, Chaos Mesh NetworkChaos delay, AWS FIS aws:ecs:task-network-latency, Litmus pod-network-latency.',
    fields: {
      ...linkFields,
      latency: { type: 'duration', description: 'added one-way latency (Toxiproxy `latency`)' },
      jitter: { type: 'duration', description: 'uniform ± jitter around latency (Toxiproxy `jitter`)' },
      distribution: { type: 'json', description: 'added latency as a distribution instead, e.g. {"dist":"exponential","mean":"20ms"}' },
    },
    duration: 'optional',
    example: { at: '10s', kind: 'link-latency', from: 'a', to: '*', latency: '100ms', jitter: '20ms', for: '30s' },
    validate(e) {
      if (e.latency === undefined && e.distribution === undefined) return 'give latency (with optional jitter) or distribution';
      if (e.distribution === undefined) return undefined;
      // checked when the plan loads, not when the fault starts halfway through a run
      try {
        durationSampler(e.distribution as DistributionSpec, 'distribution');
      } catch (err) {
        return truncate(stripControl(err instanceof Error ? err.message : String(err)), 300);
      }
      return undefined;
    },
  },
  {
    kind: 'link-loss',
    description: 'Drop a share of messages on links. Chaos Mesh NetworkChaos loss, AWS FIS aws:ecs:task-network-packet-loss, Litmus pod-network-loss.',
    fields: { ...linkFields, percent: percent('share of messages lost (Chaos Mesh `loss`)', 100) },
    duration: 'optional',
    example: { at: '10s', kind: 'link-loss', from: 'zone:us-east-1a', to: '*', percent: 20, for: '1m' },
  },
  {
    kind: 'link-duplicate',
    description: 'Deliver a share of messages twice. Chaos Mesh NetworkChaos duplicate, Litmus pod-network-duplication, TigerBeetle packet_replay_probability.',
    fields: { ...linkFields, percent: percent('share of messages duplicated (Chaos Mesh `duplicate`)', 100) },
    duration: 'optional',
    example: { at: '10s', kind: 'link-duplicate', from: 'a', to: 'b', percent: 10, for: '1m' },
  },
  {
    kind: 'link-reorder',
    description: 'Hold back a share of messages so later ones overtake them. Chaos Mesh NetworkChaos delay.reorder (reorder %, gap).',
    fields: {
      ...linkFields,
      percent: percent('share of messages held back (Chaos Mesh `reorder`)', 25),
      delay: { type: 'duration', description: 'longest hold-back, uniform (default "10ms")' },
    },
    duration: 'optional',
    example: { at: '10s', kind: 'link-reorder', from: '*', to: 'b', percent: 25, delay: '20ms', for: '1m' },
  },
  {
    kind: 'link-bandwidth',
    description: 'Cap link bandwidth: messages queue for transmission by size. Toxiproxy bandwidth (rate KB/s), Chaos Mesh NetworkChaos bandwidth, Litmus pod-network-rate-limit.',
    fields: { ...linkFields, rateKBPerSec: { type: 'number', required: true, min: 0.001, max: RATE_KB_PER_SEC_MAX, explore: [0.001, 1000], description: 'KB (1000 bytes) per second (Toxiproxy `rate`)' } },
    duration: 'optional',
    example: { at: '10s', kind: 'link-bandwidth', from: 'a', to: 'b', rateKBPerSec: 100, for: '1m' },
  },
  {
    kind: 'link-corrupt',
    description: 'Flip a bit in a share of messages on the wire (delivered with corrupted=true). Chaos Mesh NetworkChaos corrupt, Litmus pod-network-corruption.',
    fields: { ...linkFields, percent: percent('share of messages corrupted (Chaos Mesh `corrupt`)', 100) },
    duration: 'optional',
    example: { at: '10s', kind: 'link-corrupt', from: 'a', to: 'b', percent: 5, for: '1m' },
  },
  {
    kind: 'disk-error',
    description: 'I/O errors on a disk: a share of reads, writes or fsyncs fail with an errno; or latent sector errors (blocks unreadable until rewritten). Chaos Mesh IOChaos fault (errno, percent, methods), Litmus pod-io-error-retval.',
    fields: {
      target: diskTarget,
      mode: { type: 'enum', values: ['io', 'latent-sector'], description: 'io (failing calls, default) or latent-sector (count written blocks go bad now)' },
      op: { type: 'enum', values: ['read', 'write', 'fsync', 'all'], description: 'which calls fail (Chaos Mesh `methods`; default all)' },
      percent: percent('share of calls failing (Chaos Mesh `percent`)', 100),
      errno: { type: 'enum', values: ['EIO', 'ENOSPC', 'EROFS', 'ETIMEDOUT'], description: 'error returned (default EIO)' },
      count: { type: 'number', min: 1, max: COUNT_MAX, explore: [1, 101], integer: true, description: 'latent-sector: blocks that go bad (default 1)' },
    },
    duration: 'optional',
    example: { at: '10s', kind: 'disk-error', target: 'db1', op: 'write', percent: 50, errno: 'EIO', for: '30s' },
  },
  {
    kind: 'disk-slow',
    description: 'Slow a disk by a factor and/or added latency, or stall it (no I/O completes until the fault ends). AWS FIS aws:ebs:volume-io-latency and aws:ebs:pause-volume-io, Chaos Mesh IOChaos latency, BlockChaos delay.',
    fields: {
      target: diskTarget,
      factor: { type: 'number', min: 1, max: FACTOR_MAX, description: 'latency multiplier (default 10, or 1 when latency or stall is given)' },
      latency: { type: 'duration', description: 'added latency per I/O (Chaos Mesh IOChaos `delay`)' },
      stall: { type: 'boolean', description: 'pause all I/O while the fault lasts (AWS FIS pause-volume-io)' },
    },
    duration: 'optional',
    example: { at: '10s', kind: 'disk-slow', target: 'db1', factor: 10, for: '1m' },
  },
  {
    kind: 'disk-corrupt',
    description: 'Silent corruption: flip bits in stored blocks (at rest) or in a share of reads (on read); checksums detect it. Chaos Mesh IOChaos mistake, FoundationDB BitFlipper, TigerBeetle read faults.',
    fields: {
      target: diskTarget,
      mode: { type: 'enum', values: ['at-rest', 'on-read'], description: 'at-rest (count blocks now, default) or on-read (percent of reads while the fault lasts)' },
      count: { type: 'number', min: 1, max: COUNT_MAX, explore: [1, 30], integer: true, description: 'at-rest: blocks corrupted (default 1)' },
      percent: percent('on-read: share of reads corrupted', 100),
    },
    duration: 'optional',
    example: { at: '10s', kind: 'disk-corrupt', target: 'db1', mode: 'at-rest', count: 3 },
  },
  {
    kind: 'disk-full',
    description: 'The disk is full: writes fail with ENOSPC. Litmus disk-fill, Chaos Mesh chaosd disk-fill, AWS FIS SSM Disk-Fill.',
    fields: { target: diskTarget },
    duration: 'optional',
    example: { at: '10s', kind: 'disk-full', target: 'db1', for: '2m' },
  },
  {
    kind: 'disk-misdirect',
    description: 'A share of writes land at a nearby wrong block (the intended block keeps stale data). TigerBeetle write_misdirect_probability; no mainstream chaos tool offers it.',
    fields: { target: diskTarget, percent: percent('share of writes misdirected', 100) },
    duration: 'optional',
    example: { at: '10s', kind: 'disk-misdirect', target: 'db1', percent: 1, for: '1m' },
  },
  {
    kind: 'bitflip',
    description: 'DRAM bit flips in a node’s stored values: count flips now, and/or an error rate per GiB-hour while the fault lasts (default, with neither: 0.2048/GiB/h, Schroeder et al. SIGMETRICS 2009); ECC corrects single-bit and detects double-bit errors. Native to faultline (no chaos tool flips memory bits).',
    fields: {
      target,
      count: { type: 'number', min: 1, max: COUNT_MAX, explore: [1, 10], integer: true, description: 'flips that land in stored values now (each counts as an event of the run budget)' },
      rateGbPerHour: { type: 'number', min: 0, max: FLIP_RATE_MAX, explore: [0, 100], description: 'flips per GiB of DRAM per hour while the fault lasts (default 0.2048 when count is not given)' },
      bits: { type: 'number', min: 1, max: 64, integer: true, description: 'bits per event in one 64-bit word (2 = a double-bit error ECC detects; default 1)' },
    },
    duration: 'optional',
    example: { at: '10s', kind: 'bitflip', target: 'db1', count: 1 },
  },
  {
    kind: 'clock-skew',
    description: 'Step a node’s wall clock by offsetMs for the duration (back after). Chaos Mesh TimeChaos timeOffset (CLOCK_REALTIME).',
    fields: { target, offsetMs: { type: 'number', required: true, min: -CLOCK_STEP_MS_MAX, max: CLOCK_STEP_MS_MAX, explore: [-5000, 50_000], description: 'offset in ms; negative puts the clock behind (TimeChaos "-1h5m" is -3900000)' } },
    duration: 'optional',
    example: { at: '10s', kind: 'clock-skew', target: 'db1', offsetMs: -5000, for: '1m' },
  },
  {
    kind: 'clock-drift',
    description: 'Make a node’s clock run fast or slow by driftPpm; its timers fire early or late in true time. TigerBeetle TimeSim drift; no mainstream chaos tool offers it.',
    fields: { target, driftPpm: { type: 'number', required: true, min: -DRIFT_PPM_MAX, max: DRIFT_PPM_MAX, description: 'rate error in parts per million (+: fast)' } },
    duration: 'optional',
    example: { at: '10s', kind: 'clock-drift', target: 'db1', driftPpm: 500, for: '10m' },
  },
  {
    kind: 'clock-jump',
    description: 'Step a node’s wall clock once by byMs and leave it (an NTP step, a VM resume). Chaos Mesh chaosd clock, TigerBeetle TimeSim step.',
    fields: { target, byMs: { type: 'number', required: true, min: -CLOCK_STEP_MS_MAX, max: CLOCK_STEP_MS_MAX, explore: [0, 300_000], description: 'step in ms; negative jumps backwards' } },
    duration: 'none',
    example: { at: '10s', kind: 'clock-jump', target: 'db1', byMs: 30000 },
  },
  {
    kind: 'zone-outage',
    description: 'A whole zone fails: power (every node crashes, unsynced writes lost; with `for` they stay down for `for`, then restart, each taking its restart delay) or network (the zone is cut off for `for`). AWS FIS aws:network:disrupt-connectivity scope availability-zone, aws:elasticache:interrupt-cluster-az-power, Litmus az-down.',
    fields: {
      zone: { type: 'string', required: true, description: 'zone name' },
      mode: { type: 'enum', values: ['power', 'network'], description: 'power (default) or network' },
    },
    duration: 'optional',
    example: { at: '1m', kind: 'zone-outage', zone: 'us-east-1a', for: '5m' },
  },
  {
    kind: 'rack-power-loss',
    description: 'A rack loses power: its machines crash at once and their disks lose unsynced writes (a correlated failure); with `for` they stay down for `for`, then restart, each taking its restart delay. FoundationDB killZone/killDataHall; GCP node-stop on a rack.',
    fields: { rack: { type: 'string', required: true, description: 'rack name' } },
    duration: 'optional',
    example: { at: '1m', kind: 'rack-power-loss', rack: 'r1', for: '10m' },
  },
  {
    kind: 'config-push',
    description:
      'Human error: roll a bad config out to nodes, all at once or in stages; loading it crashes them (crash loop), slows them or makes them reject work; at the end of `for` it is rolled back. The pattern behind most large outages (Google SRE book ch. 1, "70% of outages are due to changes").',
    fields: {
      target: { type: 'string', description: 'nodes to push to: node name, "*" (default), "zone:<name>" or "rack:<name>"' },
      version: { type: 'string', description: 'config version label (default "bad")' },
      effect: { type: 'enum', values: ['crash', 'limp', 'reject', 'none'], description: 'what loading it does (default crash)' },
      factor: { type: 'number', min: 1, max: FACTOR_MAX, description: 'service-time factor for effect limp (default 10)' },
      stages: { type: 'number', min: 1, max: STAGES_MAX, explore: [1, 30], integer: true, description: 'waves the nodes are split into, first wave a canary (default 1: all at once)' },
      stageInterval: { type: 'duration', description: 'time between waves (default "1m")' },
    },
    duration: 'optional',
    example: { at: '1m', kind: 'config-push', target: '*', version: 'v2-bad', effect: 'crash', stages: 3, stageInterval: '30s', for: '5m' },
  },
  // ---- regions and disaster recovery (sim/world/regions.ts, sim/world/backup.ts) ----
  {
    kind: 'region-outage',
    description:
      'A whole region fails: power (every node of every zone in it crashes, unsynced writes lost; with `for` they stay down for `for`, then restart, each taking its restart delay) or network (the region is cut off from every other region for `for`). Needs a world with regions. AWS FIS scenario library "Cross-Region: Connectivity" (network mode); real events: AWS us-east-1 2021-12-07 (network impairment), Azure South Central US 2018-09-04 (a data center lost cooling after a lightning strike).',
    fields: {
      region: { type: 'string', required: true, description: 'region name (createWorld regions)' },
      mode: { type: 'enum', values: ['power', 'network'], description: 'power (default) or network' },
    },
    duration: 'optional',
    example: { at: '1m', kind: 'region-outage', region: 'us-east-1', for: '10m' },
  },
];

/** The 24 canonical kinds (`link-corrupt` is an extra). */
export const CANONICAL_FAULT_KINDS: readonly string[] = [
  'crash', 'restart', 'pause', 'limp', 'oom', 'partition', 'heal',
  'link-latency', 'link-loss', 'link-duplicate', 'link-reorder', 'link-bandwidth',
  'disk-error', 'disk-slow', 'disk-corrupt', 'disk-full', 'disk-misdirect',
  'bitflip', 'clock-skew', 'clock-drift', 'clock-jump', 'zone-outage', 'rack-power-loss', 'config-push',
];

for (const spec of FAULT_KINDS) {
  // idempotent across duplicate module instances (vitest, bundlers): register each kind once
  if (faultKindSpec(spec.kind) === undefined) registerFaultKind(spec);
}
