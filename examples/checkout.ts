// A checkout: a frontend calls payment (3 replicas behind a load balancer) and recommendations.
// One payment replica crashes and recommendations limp; the resilient design stays available.
import { defineScenario } from 'faultline';

export default defineScenario({
  name: 'checkout',
  title: 'Checkout: a payment replica crashes, recommendations limp',
  description: 'A frontend calls payment (3 replicas behind a load balancer) and recommendations.',
  params: { patterns: { type: 'boolean', default: true, description: 'use the patterns below' } },
  variants: { resilient: {}, naive: { params: { patterns: false }, expectFail: ['availability'] } },
  build({ params: { patterns: on }, service, client, openLoop, exponentialBackoff }) {
    // components
    const payment = service('payment', { replicas: 3, endpoints: { charge: { work: '5ms' } } });
    const recs = service('recs', { endpoints: { list: { work: '2ms' } } });
    // wiring: health checks and outlier detection, retries with full jitter, a breaker, a fallback
    const hc = { interval: '1s', timeout: '50ms', unhealthy_threshold: 2, healthy_threshold: 1 };
    const outlierDetection = { consecutive_5xx: 3, max_ejection_percent: 50 };
    const backoff = exponentialBackoff({ base: '10ms', jitter: 'full' });
    const pay = client(payment, 'charge', {
      timeout: '100ms',
      loadBalancer: on ? { healthCheck: hc, outlierDetection } : undefined,
      retry: on ? { attemptsMax: 3, backoff } : undefined,
      circuitBreaker: on ? { failureRateThreshold: 50, minimumNumberOfCalls: 20 } : undefined,
    });
    const list = client(recs, 'list', on ? { timeout: '50ms', fallback: { value: [] } } : {});
    const frontend = service('frontend', { endpoints: { checkout: { calls: [list, pay] } } });
    // workload: 200 checkouts a second for 30 s, each with a 1 s deadline
    openLoop({ rate: '200/s', until: '30s', deadline: '1s', call: client(frontend, 'checkout') });
  },
  faults: [
    { at: '5s', kind: 'crash', target: 'payment-2' },
    { at: '10s', kind: 'limp', target: 'recs', factor: 40, for: '10s' },
  ],
  checks: [{ name: 'availability', check: ({ metrics }) => metrics.availability >= 0.99 }],
});
