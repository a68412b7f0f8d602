/**
 * AWS Fault Injection Service experiment templates (JSON) to faultline plan entries and back.
 *
 * Timing follows FIS: an action without `startAfter` starts when the experiment starts; one with
 * `startAfter` starts when every action it names has ended; an action lasts its `duration`
 * parameter (`aws:fis:wait` only waits). Targets resolve through the mapping: resource ARNs or
 * ids, `tag:Key=Value` for `resourceTags`, and availability zones for subnets filtered by zone.
 * Without a mapping an instance id or a `Name` tag is taken as the node name.
 */
import { formatIsoDuration, parseIsoDuration, pick, type ChaosMapping, type RawEntry, Reader } from './common.ts';
import type { FaultEntry } from '../plan.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface FisImportOptions {
  mapping: ChaosMapping;
  seed: number;
}

const TEMPLATE_KEYS = ['description', 'targets', 'actions', 'stopConditions', 'roleArn', 'tags', 'logConfiguration', 'experimentOptions', 'experimentReportConfiguration', 'id', 'creationTime', 'lastUpdateTime'];

/**
 * The supported actions, the target key each reads, and the parameters it accepts (besides what
 * fails, some only say how FIS runs its agents: installDependencies, kubernetesServiceAccount, …).
 */
const ACTIONS: Record<string, { target: string; params: string[] }> = {
  'aws:fis:wait': { target: '', params: ['duration'] },
  'aws:ec2:stop-instances': { target: 'Instances', params: ['startInstancesAfterDuration', 'completeIfInstancesTerminated'] },
  'aws:ec2:reboot-instances': { target: 'Instances', params: [] },
  'aws:ec2:terminate-instances': { target: 'Instances', params: [] },
  'aws:ecs:task-network-latency': { target: 'Tasks', params: ['duration', 'delayMilliseconds', 'jitterMilliseconds', 'sources', 'installDependencies', 'useEcsFaultInjectionEndpoints'] },
  'aws:ecs:task-network-packet-loss': { target: 'Tasks', params: ['duration', 'lossPercent', 'sources', 'installDependencies', 'useEcsFaultInjectionEndpoints'] },
  'aws:ecs:task-cpu-stress': { target: 'Tasks', params: ['duration', 'percent', 'workers', 'installDependencies'] },
  'aws:ecs:stop-task': { target: 'Tasks', params: [] },
  'aws:eks:pod-delete': { target: 'Pods', params: ['gracePeriodSeconds', 'kubernetesServiceAccount', 'maxErrorsPercent', 'fisPodContainerImage', 'fisPodLabels', 'fisPodAnnotations', 'fisPodSecurityPolicy'] },
  'aws:eks:pod-network-latency': { target: 'Pods', params: ['duration', 'delayMilliseconds', 'jitterMilliseconds', 'sources', 'interface', 'kubernetesServiceAccount', 'maxErrorsPercent', 'fisPodContainerImage', 'fisPodLabels', 'fisPodAnnotations', 'fisPodSecurityPolicy'] },
  'aws:eks:pod-network-packet-loss': { target: 'Pods', params: ['duration', 'lossPercent', 'sources', 'interface', 'kubernetesServiceAccount', 'maxErrorsPercent', 'fisPodContainerImage', 'fisPodLabels', 'fisPodAnnotations', 'fisPodSecurityPolicy'] },
  'aws:eks:pod-cpu-stress': { target: 'Pods', params: ['duration', 'percent', 'workers', 'kubernetesServiceAccount', 'maxErrorsPercent', 'fisPodContainerImage', 'fisPodLabels', 'fisPodAnnotations', 'fisPodSecurityPolicy'] },
  'aws:eks:pod-memory-stress': { target: 'Pods', params: ['duration', 'percent', 'workers', 'kubernetesServiceAccount', 'maxErrorsPercent', 'fisPodContainerImage', 'fisPodLabels', 'fisPodAnnotations', 'fisPodSecurityPolicy'] },
  'aws:ebs:pause-volume-io': { target: 'Volumes', params: ['duration'] },
  'aws:ebs:volume-io-latency': { target: 'Volumes', params: ['duration', 'readIOLatencyMilliseconds', 'readIOPercentage', 'writeIOLatencyMilliseconds', 'writeIOPercentage'] },
  'aws:network:disrupt-connectivity': { target: 'Subnets', params: ['duration', 'scope', 'prefixListIdentifier'] },
};

export function importFis(doc: unknown, r: Reader, opts: FisImportOptions): RawEntry[] {
  if (!isObj(doc)) r.fail('template', 'expected an AWS FIS experiment template (a JSON object with targets and actions)');
  const t = doc;
  r.only(t, 'template', TEMPLATE_KEYS);
  if (t.stopConditions !== undefined) {
    const sc = t.stopConditions;
    const onlyNone = Array.isArray(sc) && sc.every((c) => isObj(c) && c.source === 'none');
    if (!onlyNone) r.unsupported('template.stopConditions', sc, 'faultline does not evaluate CloudWatch alarms, so nothing stops the experiment early (use [{"source":"none"}])');
  }
  if (isObj(t.experimentOptions) && t.experimentOptions.actionsMode !== undefined && t.experimentOptions.actionsMode !== 'run-all') {
    r.unsupported('template.experimentOptions.actionsMode', t.experimentOptions.actionsMode, 'faultline runs every action (run-all)');
  }
  const targets = isObj(t.targets) ? t.targets : {};
  if (!isObj(t.actions) || Object.keys(t.actions).length === 0) r.fail('template.actions', 'missing: the experiment has no actions');
  const actions = t.actions as Obj;
  const resolved = new Map<string, string[]>();
  const targetNodes = (name: string, path: string): string[] => {
    if (!resolved.has(name)) resolved.set(name, resolveTarget(targets[name], `template.targets.${name}`, name, r, opts));
    const got = resolved.get(name);
    if (!isObj(targets[name])) r.fail(path, `target ${JSON.stringify(name)} is not defined; targets: ${Object.keys(targets).join(', ') || 'none'}`);
    return got!;
  };
  // start times: an action starts when everything in its startAfter has ended
  const ends = new Map<string, number>();
  const starts = new Map<string, number>();
  const visiting = new Set<string>();
  const out: RawEntry[] = [];
  const visit = (name: string): number => {
    if (ends.has(name)) return ends.get(name)!;
    const path = `template.actions.${name}`;
    if (visiting.has(name)) r.fail(`${path}.startAfter`, `actions wait for each other in a cycle through ${name}`);
    const a = actions[name];
    if (!isObj(a)) r.fail(path, `action ${JSON.stringify(name)} is not defined; actions: ${Object.keys(actions).join(', ')}`);
    visiting.add(name);
    r.only(a, path, ['actionId', 'description', 'parameters', 'targets', 'startAfter']);
    const after = a.startAfter === undefined ? [] : Array.isArray(a.startAfter) ? a.startAfter.map(String) : r.fail(`${path}.startAfter`, 'expected a list of action names');
    const start = Math.max(0, ...after.map((n) => visit(n)));
    starts.set(name, start);
    const end = start + action(name, a, path, start, r, targetNodes, out);
    visiting.delete(name);
    ends.set(name, end);
    return end;
  };
  for (const name of Object.keys(actions)) visit(name);
  return out.sort((x, y) => x.at - y.at);
}

function resolveTarget(t: unknown, path: string, name: string, r: Reader, opts: FisImportOptions): string[] {
  if (!isObj(t)) r.fail(path, 'expected { resourceType, resourceArns | resourceTags | filters, selectionMode }');
  r.only(t, path, ['resourceType', 'resourceArns', 'resourceTags', 'filters', 'selectionMode', 'parameters']);
  const m = opts.mapping.resources ?? {};
  const lookup = (key: string, fallback: string | undefined, p: string): string[] => {
    const v = m[key];
    if (v !== undefined) return typeof v === 'string' ? [v] : v;
    if (fallback !== undefined) return [fallback];
    return r.fail(p, `${JSON.stringify(key)} is not in the mapping's "resources"; add it with the node names it stands for`);
  };
  let nodes: string[] | undefined;
  const intersect = (xs: string[]): void => {
    nodes = nodes === undefined ? xs : nodes.filter((n) => xs.includes(n));
  };
  if (Array.isArray(t.resourceArns)) {
    intersect(t.resourceArns.flatMap((arn, i) => lookup(String(arn), /\/(i-[0-9a-z]+)$/.exec(String(arn))?.[1], `${path}.resourceArns[${i}]`)));
  }
  if (isObj(t.resourceTags)) {
    for (const [k, v] of Object.entries(t.resourceTags)) intersect(lookup(`tag:${k}=${String(v)}`, k === 'Name' ? String(v) : undefined, `${path}.resourceTags.${k}`));
  }
  const zoneFilters: { zones: string[]; path: string }[] = [];
  if (Array.isArray(t.filters)) {
    t.filters.forEach((f, i) => {
      const fp = `${path}.filters[${i}]`;
      if (!isObj(f) || typeof f.path !== 'string' || !Array.isArray(f.values)) r.fail(fp, 'expected { path, values }');
      const values = (f.values as unknown[]).map(String);
      if (/AvailabilityZone$/.test(f.path as string)) zoneFilters.push({ zones: values.map((z) => opts.mapping.zones?.[z] ?? z), path: fp });
      // every node is running when a simulation starts
      else if (/^State\.Name$/.test(f.path as string) && values.length === 1 && values[0] === 'running') return;
      else r.unsupported(`${fp}.path`, f.path, 'faultline filters targets by availability zone (and State.Name running) only');
    });
  }
  for (const zf of zoneFilters) {
    if (nodes === undefined) nodes = zf.zones.map((z) => `zone:${z}`);
    else {
      // an AZ filter on selected instances: keep those the mapping places in the zone
      const nz = opts.mapping.nodeZones;
      if (!nz) r.fail(zf.path, 'filtering selected instances by zone needs the nodes’ zones: add "nodeZones": { "<node>": "<zone>" } to the mapping');
      nodes = nodes.filter((n) => zf.zones.includes(nz![n] ?? ''));
    }
  }
  if (isObj(t.parameters)) r.unsupported(`${path}.parameters`, t.parameters, 'faultline selects targets by ARN, tag or zone');
  if (nodes === undefined) r.fail(path, 'give resourceArns, resourceTags or an availability-zone filter');
  const mode = String(t.selectionMode ?? 'ALL');
  const all = [...new Set(nodes!)].sort();
  const count = /^COUNT\((\d+)\)$/.exec(mode);
  const pct = /^PERCENT\((\d+(?:\.\d+)?)\)$/.exec(mode);
  let k = all.length;
  if (count) k = Number(count[1]);
  else if (pct) k = Math.round((all.length * Number(pct[1])) / 100);
  else if (mode !== 'ALL') r.fail(`${path}.selectionMode`, `${JSON.stringify(mode)} is not valid; use ALL, COUNT(n) or PERCENT(n)`);
  const chosen = pick(all, k, opts.seed, `fis/${name}`);
  if (chosen.length < all.length) r.warnings.push(`note: ${path}: selectionMode ${mode} picked ${chosen.join(', ') || 'nothing'} of ${all.join(', ')} (import --seed ${opts.seed})`);
  return chosen;
}

/** Adds the action's entries; returns how long the action lasts. */
function action(name: string, a: Obj, path: string, start: number, r: Reader, targetNodes: (n: string, p: string) => string[], out: RawEntry[]): number {
  const id = String(a.actionId);
  const spec = ACTIONS[id];
  if (!spec) r.fail(`${path}.actionId`, `${JSON.stringify(a.actionId)} has no faultline equivalent; supported: ${Object.keys(ACTIONS).join(', ')}`);
  const params = isObj(a.parameters) ? a.parameters : {};
  r.only(params, `${path}.parameters`, spec!.params);
  const num = (k: string, dflt: number, lo: number, hi: number): number => {
    const v = params[k] === undefined ? dflt : Number(params[k]);
    if (!Number.isFinite(v) || v < lo || v > hi) r.fail(`${path}.parameters.${k}`, `expected a number in [${lo}, ${hi}], got ${JSON.stringify(params[k])}`);
    return v;
  };
  const dur = (k = 'duration'): number | undefined => (params[k] === undefined ? undefined : parseIsoDuration(params[k], r, `${path}.parameters.${k}`));
  const needDur = (): number => {
    const d = dur();
    if (d === undefined) r.fail(`${path}.parameters.duration`, `${id} needs a duration such as "PT5M"`);
    return d!;
  };
  const nodes = (): string[] => {
    const tg = isObj(a.targets) ? a.targets : {};
    const ref = tg[spec!.target];
    if (typeof ref !== 'string') r.fail(`${path}.targets.${spec!.target}`, `${id} needs targets.${spec!.target}, the name of a target`);
    return targetNodes(ref as string, `${path}.targets.${spec!.target}`);
  };
  const noSources = (): void => {
    if (params.sources !== undefined && String(params.sources).toUpperCase() !== 'ALL') r.unsupported(`${path}.parameters.sources`, params.sources, 'faultline affects all of a node’s traffic (sources ALL)');
  };
  const push = (e: Obj & { kind: string }, length: number | undefined): void => {
    const x: RawEntry = { at: start, ...e } as RawEntry;
    if (length !== undefined) x.for = length;
    out.push(x);
  };
  const each = (fields: (n: string) => Obj & { kind: string }, length: number | undefined): void => {
    for (const n of nodes()) push(fields(n), length);
  };
  switch (id) {
    case 'aws:fis:wait':
      return needDur();
    case 'aws:ec2:stop-instances': {
      const back = dur('startInstancesAfterDuration');
      const ns = nodes();
      // a whole zone's instances stopped and started again: a zone power outage
      for (const n of ns) push(n.startsWith('zone:') ? { kind: 'zone-outage', zone: n.slice(5), mode: 'power' } : { kind: 'crash', target: n }, back);
      return back ?? 0;
    }
    case 'aws:ec2:terminate-instances':
      each((n) => ({ kind: 'crash', target: n }), undefined);
      return 0;
    case 'aws:ec2:reboot-instances':
    case 'aws:ecs:stop-task':
      each((n) => ({ kind: 'restart', target: n }), undefined);
      return 0;
    case 'aws:eks:pod-delete':
      if (params.gracePeriodSeconds !== undefined && Number(params.gracePeriodSeconds) !== 0) r.unsupported(`${path}.parameters.gracePeriodSeconds`, params.gracePeriodSeconds, 'a faultline restart is immediate (grace period 0)');
      each((n) => ({ kind: 'restart', target: n }), undefined);
      return 0;
    case 'aws:ecs:task-network-latency':
    case 'aws:eks:pod-network-latency': {
      noSources();
      const d = needDur();
      const latency = num('delayMilliseconds', 200, 0, 1e7) * 1000;
      const jitter = num('jitterMilliseconds', 10, 0, 1e7) * 1000;
      each((n) => ({ kind: 'link-latency', from: n, to: '*', latency, ...(jitter ? { jitter } : {}) }), d);
      return d;
    }
    case 'aws:ecs:task-network-packet-loss':
    case 'aws:eks:pod-network-packet-loss': {
      noSources();
      const d = needDur();
      const percent = num('lossPercent', 7, 0, 100);
      each((n) => ({ kind: 'link-loss', from: n, to: '*', percent }), d);
      return d;
    }
    case 'aws:ecs:task-cpu-stress':
    case 'aws:eks:pod-cpu-stress': {
      const d = needDur();
      const percent = num('percent', 100, 0, 100);
      if (params.workers !== undefined && Number(params.workers) !== 0) r.unsupported(`${path}.parameters.workers`, params.workers, 'faultline stresses every vCPU of the node (workers 0)');
      // a stressor on every vCPU taking percent% of it: the service runs 1 + percent/100 times slower
      each((n) => ({ kind: 'limp', target: n, factor: +(1 + percent / 100).toFixed(6) }), d);
      return d;
    }
    case 'aws:eks:pod-memory-stress': {
      const d = needDur();
      const percent = num('percent', 80, 0, 100);
      if (percent < 100) r.unsupported(`${path}.parameters.percent`, params.percent ?? 80, 'faultline kills a node when its memory runs out; a share below 100% depends on what the service uses (give 100)');
      each((n) => ({ kind: 'oom', target: n }), undefined);
      return d;
    }
    case 'aws:ebs:pause-volume-io': {
      const d = needDur();
      each((n) => ({ kind: 'disk-slow', target: n, stall: true }), d);
      return d;
    }
    case 'aws:ebs:volume-io-latency': {
      const d = needDur();
      const read = num('readIOLatencyMilliseconds', 0, 0, 1e7);
      const write = num('writeIOLatencyMilliseconds', 0, 0, 1e7);
      for (const k of ['readIOPercentage', 'writeIOPercentage']) if (params[k] !== undefined && Number(params[k]) !== 100) r.unsupported(`${path}.parameters.${k}`, params[k], 'faultline slows every I/O of the volume (100%)');
      if (read !== write) r.unsupported(`${path}.parameters.writeIOLatencyMilliseconds`, params.writeIOLatencyMilliseconds, 'faultline adds one latency to reads and writes alike (give the same for both)');
      each((n) => ({ kind: 'disk-slow', target: n, latency: read * 1000 }), d);
      return d;
    }
    case 'aws:network:disrupt-connectivity': {
      const d = needDur();
      const scope = String(params.scope ?? 'all');
      if (scope !== 'all' && scope !== 'availability-zone') r.unsupported(`${path}.parameters.scope`, scope, 'faultline cuts a zone off from the other zones (scope all or availability-zone)');
      for (const n of nodes()) {
        if (!n.startsWith('zone:')) r.fail(`${path}.targets.Subnets`, `subnet target ${JSON.stringify(n)} must map to a zone ("zone:<name>" in the mapping's "resources", or an AvailabilityZone filter)`);
        push({ kind: 'zone-outage', zone: n.slice(5), mode: 'network' }, d);
      }
      return d;
    }
  }
  return r.fail(`${path}.actionId`, `${id} is not handled`);
}

// ---------------------------------------------------------------- export

export interface FisExportOptions {
  mapping: ChaosMapping;
  description?: string;
}

/** The plan as an experiment template: a wait action before each timed entry, the entry after it. */
export function exportFis(plan: readonly FaultEntry[], r: Reader, opts: FisExportOptions): Obj {
  const targets: Obj = {};
  const actions: Obj = {};
  const targetFor = (node: string, resourceType: string, path: string): string => {
    let t: Obj;
    if (node.startsWith('zone:')) {
      const zone = node.slice(5);
      const aws = Object.entries(opts.mapping.zones ?? {}).find(([, z]) => z === zone)?.[0] ?? zone;
      t = { resourceType, filters: [{ path: resourceType === 'aws:ec2:subnet' ? 'AvailabilityZone' : 'Placement.AvailabilityZone', values: [aws] }], selectionMode: 'ALL' };
    } else if (node === '*' || node.includes(':')) {
      r.unsupported(path, node, 'AWS FIS targets instances, tasks, pods, volumes or a zone’s subnets');
      return '';
    } else {
      const key = Object.entries(opts.mapping.resources ?? {}).find(([, v]) => (typeof v === 'string' ? v === node : v.length === 1 && v[0] === node))?.[0];
      t = key?.startsWith('arn:') ? { resourceType, resourceArns: [key], selectionMode: 'ALL' } : key?.startsWith('tag:') ? { resourceType, resourceTags: Object.fromEntries([key.slice(4).split('=')]), selectionMode: 'ALL' } : { resourceType, resourceTags: { Name: node }, selectionMode: 'ALL' };
    }
    const name = `${resourceType.split(':').pop()}-${node.replace(/[^A-Za-z0-9]+/g, '-')}`.slice(0, 64);
    targets[name] = t;
    return name;
  };
  plan.forEach((e, i) => {
    const path = `entry ${i} (${e.kind})`;
    const x = fisAction(e, path, r, targetFor);
    if (!x) return;
    const name = `${String(i + 1).padStart(2, '0')}-${e.kind}`;
    if (e.at > 0) {
      actions[`${name}-wait`] = { actionId: 'aws:fis:wait', parameters: { duration: formatIsoDuration(e.at) } };
      x.startAfter = [`${name}-wait`];
    }
    actions[name] = x;
  });
  return { description: opts.description ?? 'exported from a faultline fault plan', targets, actions, stopConditions: [{ source: 'none' }] };
}

function fisAction(e: FaultEntry, path: string, r: Reader, targetFor: (node: string, type: string, path: string) => string): Obj | undefined {
  const none = (why: string): undefined => {
    r.unsupported(path, undefined, why);
    return undefined;
  };
  const no = (field: string, why: string): void => {
    if (e[field] !== undefined) r.unsupported(`${path}.${field}`, e[field], why);
  };
  const d = (): Obj => (e.for === undefined ? {} : { duration: formatIsoDuration(e.for) });
  const needFor = (): boolean => {
    if (e.for === undefined) r.unsupported(`${path}.for`, undefined, 'this FIS action needs a duration (give for)');
    return e.for !== undefined;
  };
  const tgt = (field: string, type: string, key: string): Obj => ({ [key]: targetFor(String(e[field]), type, `${path}.${field}`) });
  switch (e.kind) {
    case 'crash':
      return { actionId: 'aws:ec2:stop-instances', parameters: e.for === undefined ? {} : { startInstancesAfterDuration: formatIsoDuration(e.for) }, targets: tgt('target', 'aws:ec2:instance', 'Instances') };
    case 'restart':
      no('restartDelay', 'a reboot takes as long as the instance takes');
      return { actionId: 'aws:ec2:reboot-instances', targets: tgt('target', 'aws:ec2:instance', 'Instances') };
    case 'zone-outage':
      if (e.mode === 'network') return needFor() ? { actionId: 'aws:network:disrupt-connectivity', parameters: { ...d(), scope: 'availability-zone' }, targets: { Subnets: targetFor(`zone:${String(e.zone)}`, 'aws:ec2:subnet', `${path}.zone`) } } : undefined;
      return { actionId: 'aws:ec2:stop-instances', parameters: e.for === undefined ? {} : { startInstancesAfterDuration: formatIsoDuration(e.for) }, targets: { Instances: targetFor(`zone:${String(e.zone)}`, 'aws:ec2:instance', `${path}.zone`) } };
    case 'limp': {
      const pct = (Number(e.factor ?? 10) - 1) * 100;
      if (pct > 100) return none(`a CPU stress slows a service at most 2× (percent 100); factor ${String(e.factor ?? 10)} has no FIS equivalent`);
      return needFor() ? { actionId: 'aws:ecs:task-cpu-stress', parameters: { ...d(), percent: String(+pct.toFixed(4)) }, targets: tgt('target', 'aws:ecs:task', 'Tasks') } : undefined;
    }
    case 'oom':
      if (e.leakMbPerHour !== undefined) return none('a memory leak has no FIS equivalent (an immediate OOM exports as aws:eks:pod-memory-stress percent 100)');
      return { actionId: 'aws:eks:pod-memory-stress', parameters: { duration: 'PT1M', percent: '100' }, targets: tgt('target', 'aws:eks:pod', 'Pods') };
    case 'link-latency':
    case 'link-loss': {
      no('toxicity', 'FIS applies the fault to all of a task’s traffic (toxicity 1)');
      if ((e.to ?? '*') !== '*' || (e.direction ?? 'to') !== 'to') return none('FIS network actions affect all of a task’s outgoing traffic (to "*", direction to)');
      if (!needFor()) return undefined;
      const targets = { Tasks: targetFor(String(e.from ?? '*'), 'aws:ecs:task', `${path}.from`) };
      if (e.kind === 'link-loss') return { actionId: 'aws:ecs:task-network-packet-loss', parameters: { ...d(), lossPercent: String(e.percent ?? 100) }, targets };
      no('distribution', 'FIS adds a fixed delay with jitter');
      return { actionId: 'aws:ecs:task-network-latency', parameters: { ...d(), delayMilliseconds: String(Number(e.latency ?? 0) / 1000), jitterMilliseconds: String(Number(e.jitter ?? 0) / 1000) }, targets };
    }
    case 'disk-slow':
      if (!needFor()) return undefined;
      if (e.stall) return { actionId: 'aws:ebs:pause-volume-io', parameters: d(), targets: tgt('target', 'aws:ec2:ebs-volume', 'Volumes') };
      if (e.factor !== undefined && Number(e.factor) !== 1) no('factor', 'FIS adds a fixed I/O latency; it has no multiplier');
      if (e.latency === undefined) return none('aws:ebs:volume-io-latency needs an added latency (give latency)');
      return {
        actionId: 'aws:ebs:volume-io-latency',
        parameters: { ...d(), readIOLatencyMilliseconds: String(Number(e.latency) / 1000), readIOPercentage: '100', writeIOLatencyMilliseconds: String(Number(e.latency) / 1000), writeIOPercentage: '100' },
        targets: tgt('target', 'aws:ec2:ebs-volume', 'Volumes'),
      };
    default:
      return none(`${e.kind} has no AWS FIS equivalent; kinds that export: crash, restart, zone-outage, limp, oom, link-latency, link-loss, disk-slow`);
  }
}
