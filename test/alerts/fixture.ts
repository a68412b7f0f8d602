// A small service for alerting tests: 100 requests a second whose latency spreads over several
// of Prometheus's default buckets, and a bad config that makes half the servers reject work
// from 8 s to 14 s (errors), so rates and quantiles change across the run.
import { defineScenario } from '../../sim/run/scenario.ts';

export default defineScenario({
  name: 'alerting-fixture',
  title: 'alerting fixture',
  description: 'test fixture',
  params: {},
  faults: [{ at: '8s', kind: 'config-push', target: 'api-1', version: 'v2-bad', effect: 'reject', for: '6s' }],
  build({ world, service, client, openLoop }) {
    world({ nodes: ['client'], nodeDefaults: { cores: 4, serviceTime: { dist: 'lognormal', median: '30ms', sigma: 0.9 } } });
    const api = service('api', { nodes: ['api-1', 'api-2'], endpoints: { get: {} } });
    openLoop({ rate: '100/s', until: '30s', call: client(api, 'get', { timeout: '2s' }) });
  },
});
