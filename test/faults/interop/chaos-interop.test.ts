// Chaos experiments in and out. The expected plans below are written from the tools' documented
// semantics (Chaos Mesh api/v1alpha1 types and docs examples, the AWS FIS action reference,
// Toxiproxy's README), not from the importer's output: netem sends `reorder`% at once and delays
// the rest; a pod-kill is a restart; FIS actions start after everything in startAfter has ended;
// a Toxiproxy downstream toxic acts on upstream → client.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../../sim/cli/main.ts';
import { exportChaos, importChaos, parseMapping, type ChaosFormat } from '../../../sim/faults/interop/index.ts';
import { parseFaultPlan } from '../../../sim/faults/plan.ts';
import '../../../sim/faults/register.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIX = join(ROOT, 'test/fixtures/chaos');
const MAP = join(FIX, 'mapping.json');
const mapping = parseMapping(JSON.parse(readFileSync(MAP, 'utf8')));
const dir = mkdtempSync(join(tmpdir(), 'faultline-chaos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const imp = (file: string, extra: Partial<Parameters<typeof importChaos>[1]> = {}) =>
  importChaos(readFileSync(join(FIX, file), 'utf8'), { file, mapping, ...extra });
const S = 1_000_000;
const MS = 1_000;

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s), isTTY: false });
  return { code, out, err };
}

describe('Chaos Mesh import', () => {
  it('NetworkChaos delay: one link-latency per selected pod, to everything', () => {
    expect(imp('network-delay.yaml').plan).toEqual([
      { at: 0, kind: 'link-latency', from: 'web-1', to: '*', latency: 10 * MS, jitter: 2 * MS, for: 30 * S },
      { at: 0, kind: 'link-latency', from: 'web-2', to: '*', latency: 10 * MS, jitter: 2 * MS, for: 30 * S },
    ]);
  });
  it('delay with reorder: netem sends 25% at once and delays 75%, so faultline holds back 75%', () => {
    expect(imp('network-reorder.yaml').plan).toEqual([{ at: 0, kind: 'link-reorder', from: 'web-1', to: '*', percent: 75, delay: 20 * MS, for: 60 * S }]);
  });
  it('loss with a target, duplicate both ways, corrupt', () => {
    expect(imp('network-loss-duplicate-corrupt.yaml').plan).toEqual([
      { at: 0, kind: 'link-loss', from: 'app1-a', to: 'app2-a', percent: 25, for: 20 * S },
      { at: 0, kind: 'link-loss', from: 'app1-a', to: 'app2-b', percent: 25, for: 20 * S },
      { at: 0, kind: 'link-duplicate', from: 'app1-a', to: '*', direction: 'both', percent: 40, for: 20 * S },
      { at: 0, kind: 'link-corrupt', from: 'app1-a', to: '*', percent: 40, for: 20 * S },
    ]);
  });
  it('partition: selector and target are the two groups, direction kept', () => {
    expect(imp('network-partition.yaml').plan).toEqual([{ at: 0, kind: 'partition', groups: [['app1-a'], ['app2-a', 'app2-b']], direction: 'to', for: 45 * S }]);
  });
  it('bandwidth: 1mbps is 1,000 KB/s; the published limit and buffer bind, so they need --lenient', () => {
    expect(() => imp('network-bandwidth.yaml')).toThrow(/spec\.bandwidth\.limit=20971520: .*--lenient/);
    const r = imp('network-bandwidth.yaml', { lenient: true });
    expect(r.plan).toEqual([
      { at: 0, kind: 'link-bandwidth', from: 'web-1', to: '*', rateKBPerSec: 1000 },
      { at: 0, kind: 'link-bandwidth', from: 'web-2', to: '*', rateKBPerSec: 1000 },
    ]);
    expect(r.warnings).toEqual([expect.stringMatching(/dropped .*bandwidth\.limit/), expect.stringMatching(/dropped .*bandwidth\.buffer/)]);
  });
  it('a correlation other than 0 is an error naming the field', () => {
    expect(() => imp('network-delay-correlated.yaml')).toThrow(/network-delay-correlated\.yaml: document \(NetworkChaos delay\)\.spec\.delay\.correlation="100"/);
  });
  it('PodChaos: pod-failure is a crash for its duration, pod-kill and container-kill are restarts; mode one picks by seed', () => {
    const r = imp('pod-chaos.yaml');
    const crash = r.plan.filter((e) => e.kind === 'crash');
    expect(crash).toHaveLength(1);
    expect(['tikv-0', 'tikv-1', 'tikv-2']).toContain(crash[0]!.target);
    expect(crash[0]!.for).toBe(30 * S);
    expect(r.plan.filter((e) => e.kind === 'restart').map((e) => e.target)).toEqual(['tikv-0', 'tikv-1', 'tikv-2', 'prometheus-0']);
    expect(r.warnings.some((w) => w.includes('mode one picked'))).toBe(true);
    // the pick is a function of the seed: the same seed picks the same pod, and some seed picks another
    expect(imp('pod-chaos.yaml').plan).toEqual(r.plan);
    const picks = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => imp('pod-chaos.yaml', { seed }).plan.find((e) => e.kind === 'crash')!.target));
    expect(picks.size).toBeGreaterThan(1);
  });
  it('StressChaos: cpu 2 workers × 50% is a 2× limp; a 256MiB ramp over 10 s is a leak of 92,160 MiB/h; size 100% is an OOM kill', () => {
    expect(imp('stress.yaml').plan).toEqual([
      { at: 0, kind: 'limp', target: 'app1-a', factor: 2, for: 30 * S },
      { at: 0, kind: 'oom', target: 'app1-a', leakMbPerHour: 92160, for: 10 * S },
      { at: 0, kind: 'oom', target: 'app1-a' },
    ]);
  });
  it('IOChaos latency, fault (errno 5 is EIO) and mistake (corrupt reads) on the mapped volume', () => {
    expect(imp('io-chaos.yaml').plan).toEqual([
      { at: 0, kind: 'disk-slow', target: 'etcd-0/data', latency: 100 * MS, for: 400 * S },
      { at: 0, kind: 'disk-error', target: 'etcd-0/data', op: 'all', percent: 50, errno: 'EIO', for: 400 * S },
      { at: 0, kind: 'disk-corrupt', target: 'etcd-0/data', mode: 'on-read', percent: 10, for: 400 * S },
    ]);
  });
  it('TimeChaos: timeOffset -10m100ns is a clock skew of -600,000 ms', () => {
    expect(imp('time-chaos.yaml').plan).toEqual([{ at: 0, kind: 'clock-skew', target: 'app1-a', offsetMs: -600000, for: 60 * S }]);
  });
  it('Schedule: every 2 minutes (cron */2) until 7 minutes is runs at 2, 4 and 6 minutes; without --until it is an error', () => {
    const r = imp('schedule.yaml', { untilUs: 7 * 60 * S });
    expect([...new Set(r.plan.map((e) => e.at / S))]).toEqual([120, 240, 360]);
    expect(r.plan.every((e) => e.for === 12 * S && e.kind === 'link-latency')).toBe(true);
    expect(() => imp('schedule.yaml')).toThrow(/repeats forever: give --until/);
  });
  it('Workflow: Serial runs children in turn, Suspend waits, Parallel starts together, a Schedule repeats within its deadline', () => {
    const r = imp('workflow.yaml');
    expect(r.plan).toEqual([
      { at: 0, kind: 'limp', target: 'hello-0', factor: 1.2, for: 20 * S },
      { at: 30 * S, kind: 'link-latency', from: 'hello-0', to: '*', latency: 90 * MS, jitter: 90 * MS, for: 20 * S },
      // @every 2s from 30 s within a 7 s deadline: 32, 34 and 36 s
      { at: 32 * S, kind: 'restart', target: 'hello-0' },
      { at: 34 * S, kind: 'restart', target: 'hello-0' },
      { at: 36 * S, kind: 'restart', target: 'hello-0' },
    ]);
  });
  it('a selector the mapping does not know says what to add', () => {
    const text = readFileSync(join(FIX, 'network-delay.yaml'), 'utf8');
    expect(() => importChaos(text, { file: 'x.yaml' })).toThrow(/no pod group in the mapping matches \(namespace default, labels \{"app":"web-show"\}\)/);
  });
  it('an unknown kind, action or field is an error naming it; --lenient drops a field with a warning', () => {
    const base = (spec: string) => `apiVersion: chaos-mesh.org/v1alpha1\nkind: NetworkChaos\nmetadata: { name: x }\nspec:\n  action: delay\n  mode: all\n  selector: { pods: { default: [a] } }\n  delay: { latency: 10ms }\n${spec}`;
    expect(() => importChaos(base('  device: eth1\n'), { file: 'x.yaml' })).toThrow(/x\.yaml: document \(NetworkChaos x\)\.spec\.device="eth1": faultline has no equivalent/);
    const lenient = importChaos(base('  device: eth1\n'), { file: 'x.yaml', lenient: true });
    expect(lenient.plan).toEqual([{ at: 0, kind: 'link-latency', from: 'a', to: '*', latency: 10 * MS }]);
    expect(lenient.warnings).toEqual([expect.stringContaining('dropped x.yaml: document (NetworkChaos x).spec.device="eth1"')]);
    expect(() => importChaos('apiVersion: chaos-mesh.org/v1alpha1\nkind: HTTPChaos\nmetadata: { name: h }\nspec: {}\n', { file: 'h.yaml' })).toThrow(/HTTPChaos has no faultline equivalent/);
    expect(() => importChaos(base('').replace('action: delay', 'action: flood'), { file: 'x.yaml' })).toThrow(/"flood" is not a NetworkChaos action/);
  });
});

describe('AWS FIS import', () => {
  it('the documented stop-instances template: tags ∩ the zone filter, restarted after PT2M; its alarm and VpcId filter need --lenient', () => {
    expect(() => imp('fis-stop-instances.json')).toThrow(/template\.stopConditions=.*faultline does not evaluate CloudWatch alarms/);
    const r = imp('fis-stop-instances.json', { lenient: true });
    expect(r.plan).toEqual([
      { at: 0, kind: 'crash', target: 'api-2', for: 120 * S },
      { at: 0, kind: 'crash', target: 'api-3', for: 120 * S },
    ]);
    expect(r.warnings.join('\n')).toMatch(/filters\[2\]\.path="VpcId"/);
  });
  it('startAfter chains: each action starts when the ones it waits for have ended', () => {
    const r = imp('fis-sequence.json');
    const at = (kind: string) => r.plan.find((e) => e.kind === kind)!;
    expect(at('link-latency')).toEqual({ at: 0, kind: 'link-latency', from: 'api-1', to: '*', latency: 200 * MS, jitter: 10 * MS, for: 120 * S });
    expect(at('limp')).toEqual({ at: 0, kind: 'limp', target: 'api-1', factor: 1.8, for: 60 * S });
    expect(at('link-loss')).toEqual({ at: 60 * S, kind: 'link-loss', from: 'api-1', to: '*', percent: 7, for: 60 * S });
    expect(at('disk-slow')).toEqual({ at: 120 * S, kind: 'disk-slow', target: 'api-2', latency: 50 * MS, for: 60 * S });
    // latency (2 min), then a 30 s wait, then the zone cut off for 5 min, then a reboot
    expect(at('zone-outage')).toEqual({ at: 150 * S, kind: 'zone-outage', zone: 'us-east-1a', mode: 'network', for: 300 * S });
    expect(at('restart').at).toBe(450 * S);
    expect(r.warnings).toEqual([expect.stringMatching(/COUNT\(1\) picked api-\d of api-1, api-2, api-3/)]);
  });
  it('an action FIS has and faultline does not is an error naming it', () => {
    const t = { actions: { x: { actionId: 'aws:rds:failover-db-cluster', targets: {} } }, targets: {} };
    expect(() => importChaos(JSON.stringify(t), { file: 't.json' })).toThrow(/t\.json: template\.actions\.x\.actionId: "aws:rds:failover-db-cluster" has no faultline equivalent/);
    const cyc = { actions: { a: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' }, startAfter: ['b'] }, b: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' }, startAfter: ['a'] } } };
    expect(() => importChaos(JSON.stringify(cyc), { file: 't.json' })).toThrow(/in a cycle/);
  });
});

describe('Toxiproxy import', () => {
  it('downstream is upstream → client, upstream is client → upstream; toxicity kept; timeout 0 is a black hole', () => {
    expect(() => imp('toxiproxy.json')).toThrow(/proxies\.web->db\.toxics\[0\]\.type="slow_close"/);
    const r = imp('toxiproxy.json', { lenient: true, atUs: 10 * S, forUs: 60 * S });
    expect(r.plan).toEqual([
      { at: 10 * S, kind: 'link-latency', from: 'redis', to: 'app', latency: 1000 * MS, for: 60 * S },
      { at: 10 * S, kind: 'link-bandwidth', from: 'app', to: 'redis', toxicity: 0.5, rateKBPerSec: 100, for: 60 * S },
      { at: 10 * S, kind: 'link-loss', from: 'app', to: 'redis', percent: 100, for: 60 * S },
    ]);
  });
});

/** Plans of every kind that has an equivalent in each tool; export then import gives the plan back. */
const ROUND_TRIPS: Record<ChaosFormat, Record<string, unknown>[]> = {
  'chaos-mesh': [
    { at: '0s', kind: 'crash', target: 'app1-a', for: '30s' },
    { at: '5s', kind: 'restart', target: 'tikv-0' },
    { at: '10s', kind: 'limp', target: 'web-1', factor: 2.5, for: '1m' },
    { at: '10s', kind: 'oom', target: 'web-2' },
    { at: '10s', kind: 'oom', target: 'web-2', leakMbPerHour: 3600, for: '1m' },
    { at: '20s', kind: 'partition', groups: [['app1-a'], ['app2-a', 'app2-b']], direction: 'to', for: '45s' },
    { at: '20s', kind: 'partition', mode: 'isolate', target: 'web-1', for: '5s' },
    { at: '30s', kind: 'link-latency', from: 'web-1', to: 'app1-a', latency: '100ms', jitter: '20ms', for: '30s' },
    { at: '30s', kind: 'link-loss', from: 'web-1', to: '*', percent: 20, direction: 'both', for: '1m' },
    { at: '30s', kind: 'link-duplicate', from: 'web-1', to: 'app1-a', percent: 10, for: '1m' },
    { at: '30s', kind: 'link-corrupt', from: 'web-1', to: '*', percent: 5, for: '1m' },
    { at: '30s', kind: 'link-reorder', from: 'web-1', to: '*', percent: 25, delay: '20ms', for: '1m' },
    { at: '30s', kind: 'link-bandwidth', from: 'web-1', to: 'app1-a', rateKBPerSec: 100, for: '1m' },
    { at: '40s', kind: 'disk-slow', target: 'etcd-0/data', latency: '5ms', for: '1m' },
    { at: '40s', kind: 'disk-error', target: 'etcd-0/data', op: 'write', percent: 50, errno: 'ENOSPC', for: '30s' },
    { at: '40s', kind: 'disk-corrupt', target: 'etcd-0/data', mode: 'on-read', percent: 5, for: '30s' },
    { at: '50s', kind: 'clock-skew', target: 'app1-a', offsetMs: -5000, for: '1m' },
  ],
  fis: [
    { at: '0s', kind: 'crash', target: 'api-1', for: '2m' },
    { at: '10s', kind: 'crash', target: 'api-2' },
    { at: '10s', kind: 'restart', target: 'api-3' },
    { at: '1m', kind: 'zone-outage', zone: 'us-east-1a', mode: 'network', for: '5m' },
    { at: '1m', kind: 'zone-outage', zone: 'us-east-1b', mode: 'power', for: '5m' },
    { at: '2m', kind: 'limp', target: 'api-1', factor: 1.5, for: '1m' },
    { at: '2m', kind: 'oom', target: 'api-2' },
    { at: '3m', kind: 'link-latency', from: 'api-1', to: '*', latency: '200ms', jitter: '10ms', for: '2m' },
    { at: '3m', kind: 'link-loss', from: 'api-1', to: '*', percent: 7, for: '1m' },
    { at: '4m', kind: 'disk-slow', target: 'api-2', latency: '50ms', for: '1m' },
    { at: '4m', kind: 'disk-slow', target: 'api-3', stall: true, for: '1m' },
  ],
  toxiproxy: [
    { at: '0s', kind: 'link-latency', from: 'redis', to: 'app', latency: '1s', jitter: '100ms' },
    { at: '0s', kind: 'link-bandwidth', from: 'app', to: 'redis', rateKBPerSec: 100, toxicity: 0.5 },
    { at: '0s', kind: 'link-loss', from: 'web', to: 'db', percent: 100 },
  ],
};

describe('export', () => {
  for (const [format, raw] of Object.entries(ROUND_TRIPS) as [ChaosFormat, Record<string, unknown>[]][]) {
    it(`${format}: every kind with an equivalent exports, and imports back to the same plan`, () => {
      const plan = parseFaultPlan(raw);
      const out = exportChaos(plan, format, { file: 'plan.json', mapping });
      const back = importChaos(out.text, { file: `out.${format}`, mapping });
      expect(back.format).toBe(format);
      expect(back.plan).toEqual([...plan].sort((a, b) => a.at - b.at));
      expect(out.warnings).toEqual([]);
    });
  }
  it('Chaos Mesh: timed entries become one Workflow of Suspend + experiment branches; untimed ones separate experiments', () => {
    const timed = exportChaos(parseFaultPlan([{ at: '10s', kind: 'crash', target: 'a', for: '30s' }]), 'chaos-mesh', { file: 'p', mapping: {} });
    expect(timed.text).toMatch(/^kind: Workflow$/m);
    expect(timed.text).toMatch(/templateType: Suspend\n\s+deadline: 10s/);
    const now = exportChaos(parseFaultPlan([{ at: 0, kind: 'crash', target: 'a', for: '30s' }]), 'chaos-mesh', { file: 'p', mapping: {} });
    expect(now.text).toMatch(/^kind: PodChaos$/m);
    expect(now.text).toMatch(/^ {2}duration: 30s$/m);
    expect(now.text).toMatch(/pods:\n\s+default:\n\s+- a/);
  });
  it('heal ends the open partitions before it: it becomes their duration', () => {
    const plan = parseFaultPlan([
      { at: '10s', kind: 'partition', groups: [['a'], ['b']] },
      { at: '40s', kind: 'heal' },
    ]);
    const back = importChaos(exportChaos(plan, 'chaos-mesh', { file: 'p', mapping: {} }).text, { file: 'o.yaml' });
    expect(back.plan).toEqual([{ at: 10 * S, kind: 'partition', groups: [['a'], ['b']], direction: 'both', for: 30 * S }]);
  });
  it('a kind or field without an equivalent is an error naming it; --lenient drops it with a warning', () => {
    const plan = parseFaultPlan([
      { at: '1s', kind: 'bitflip', target: 'a', count: 1 },
      { at: '1s', kind: 'crash', target: 'a' },
    ]);
    expect(() => exportChaos(plan, 'chaos-mesh', { file: 'p.json' })).toThrow(/p\.json: entry 0 \(bitflip\): bitflip has no Chaos Mesh equivalent/);
    const lenient = exportChaos(plan, 'chaos-mesh', { file: 'p.json', lenient: true });
    expect(lenient.warnings).toEqual([expect.stringContaining('entry 0 (bitflip)')]);
    expect(importChaos(lenient.text, { file: 'o.yaml' }).plan).toEqual([{ at: 1 * S, kind: 'crash', target: 'a' }]);
    expect(() => exportChaos(parseFaultPlan([{ at: '1s', kind: 'link-latency', from: 'a', to: 'b', latency: '1ms', toxicity: 0.5 }]), 'chaos-mesh', { file: 'p.json' })).toThrow(/entry 0 \(link-latency\)\.toxicity=0\.5/);
    expect(() => exportChaos(parseFaultPlan([{ at: '1s', kind: 'link-latency', from: 'a', to: 'b', latency: '1ms' }]), 'toxiproxy', { file: 'p.json' })).toThrow(/entry 0 \(link-latency\)\.at="1s": Toxiproxy toxics have no start time/);
  });
});

describe('the CLI', () => {
  it('faults import writes a plan that faultline run accepts on a built-in scenario (the docs example)', async () => {
    const plan = join(dir, 'plan.json');
    const imp = await cli(['faults', 'import', join(ROOT, 'examples/chaos/web-cpu-stress.yaml'), '--map', join(ROOT, 'examples/chaos/mapping.json'), '--out', plan]);
    expect(imp.code).toBe(0);
    expect(imp.err).toMatch(/wrote 1 fault from a chaos-mesh experiment/);
    const entries = JSON.parse(readFileSync(plan, 'utf8'));
    expect(entries).toEqual([{ at: '2s', kind: 'limp', target: 'web3', factor: 5, for: '10s' }]);
    const run = await cli(['run', 'gray-failure', '--faults', plan]);
    expect([0, 1]).toContain(run.code);
    expect(run.err).toBe('');
    expect(run.out).toMatch(/p99-during-limp: p99 [\d.]+ ms/);
  });
  it('usage and input errors exit 2 with one line', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: chaos-mesh.org/v1alpha1\nkind: NetworkChaos\nmetadata: { name: x }\nspec:\n  action: delay\n  selector: { pods: { default: [a] } }\n  delay: { latency: 10ms, correlation: "50" }\n');
    for (const argv of [
      ['faults', 'import', bad],
      ['faults', 'import'],
      ['faults', 'import', join(dir, 'missing.yaml')],
      ['faults', 'import', bad, '--from', 'litmus'],
      ['faults', 'export', join(FIX, 'mapping.json')],
      ['faults', 'export', '--to', 'gremlin', bad],
      ['faults', 'import', join(FIX, 'schedule.yaml'), '--map', MAP],
    ]) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    expect((await cli(['faults', 'import', bad])).err).toMatch(/spec\.delay\.correlation="50"/);
  });
  it('faults export prints the experiment; --out writes it', async () => {
    const plan = join(dir, 'p.json');
    writeFileSync(plan, JSON.stringify([{ at: '0s', kind: 'link-latency', from: 'app', to: 'redis', latency: '100ms' }]));
    const r = await cli(['faults', 'export', '--to', 'toxiproxy', plan, '--map', MAP]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      shopify_test_redis_master: { name: 'shopify_test_redis_master', enabled: true, toxics: [{ name: 'latency_upstream', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } }] },
    });
    const out = join(dir, 'exp.yaml');
    expect((await cli(['faults', 'export', '--to', 'chaos-mesh', plan, '--out', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/kind: NetworkChaos/);
  });
});
