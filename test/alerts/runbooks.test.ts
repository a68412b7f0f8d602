import { describe, expect, it } from 'vitest';
import { runDetailed } from '../../sim/run/runner.ts';
import { defineScenario } from '../../sim/run/scenario.ts';

// A service whose replica api-1 gets a bad config at 8 s; an alert on its errors runs an
// automated runbook: the model's own failover (runbookAction), or a block of the noisy client.
const scenario = (action: string, target: string) =>
  defineScenario({
    name: 'runbook-fixture',
    title: 'runbook fixture',
    description: 'test fixture',
    params: {},
    faults: [{ at: '8s', kind: 'config-push', target: 'api-1', version: 'v2-bad', effect: 'reject' }],
    alerting: {
      groups: [{ name: 'g', rules: [{ alert: 'Errors', expr: 'sum(rate(faultline_requests_total{outcome="error"}[5s])) > 1', labels: { severity: 'page' } }] }],
      runbooks: [{ name: 'fix', alert: 'Errors', action, target, duration: '2s', auto: true }],
    },
    build({ world, service, client, openLoop, runbookAction }) {
      world({ nodes: ['client', 'noisy'], nodeDefaults: { cores: 4, serviceTime: '5ms' } });
      const api = service('api', { nodes: ['api-1', 'api-2'], endpoints: { get: {} } });
      openLoop({ rate: '100/s', until: '30s', call: client(api, 'get', { timeout: '1s' }) });
      openLoop({ name: 'noisy', rate: '50/s', until: '30s', call: client(api, 'get', { timeout: '1s' }) });
      runbookAction('failover', (t) => {
        world().node(t).crash('failed over');
        return `failed ${t} over to its standby`;
      });
    },
  });

const ends = (action: string, target: string) => {
  const art = runDetailed(scenario(action, target), { traceLevel: 'summary' });
  return { art, ends: art.records.filter((r) => r.kind === 'runbook-end') as { action: string; target: string; by: string; detail: string; time: number }[] };
};

describe('runbook actions', () => {
  it('a model-defined action (runbookAction) runs when automation answers the alert, its duration after the alert fired', () => {
    const { art, ends: e } = ends('failover', 'api-1');
    expect(e).toEqual([expect.objectContaining({ action: 'failover', target: 'api-1', by: 'automation', detail: 'failed api-1 over to its standby' })]);
    const fired = art.records.find((r) => r.kind === 'alert-state' && (r as { to: string }).to === 'firing')!;
    expect(e[0]!.time - fired.time).toBe(2_000_000);
    expect(art.records.some((r) => r.kind === 'node-state' && (r as { node: string }).node === 'api-1' && (r as { reason?: string }).reason === 'failed over')).toBe(true);
  });

  it('block-client drops the client node\'s traffic: its requests fail from then on, the others go on', () => {
    const art = runDetailed(scenario('block-client', 'noisy'), { traceLevel: 'full' });
    const end = art.records.find((r) => r.kind === 'runbook-end') as { detail: string; time: number };
    expect(end.detail).toBe('blocked noisy');
    const after = art.records.filter((r) => r.kind === 'request' && r.time > end.time + 1_000_000) as unknown as { node: string; ok: boolean }[];
    const noisy = after.filter((r) => r.node === 'noisy');
    const others = after.filter((r) => r.node === 'client');
    expect(noisy.length).toBeGreaterThan(100);
    expect(noisy.every((r) => !r.ok)).toBe(true);
    // api-1 still has the bad config (half the requests fail); api-2 serves the rest
    expect(others.filter((r) => r.ok).length / others.length).toBeGreaterThan(0.3);
  });
});
