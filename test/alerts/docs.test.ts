import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NAME_TABLE, registryPromName, withMetricNames } from '../../sim/alerts/names.ts';

describe('docs/ALERTING.md', () => {
  it('shows the metric-name table as names.ts declares it (run npm run docs if this fails)', () => {
    const text = readFileSync(new URL('../../docs/ALERTING.md', import.meta.url), 'utf8');
    expect(text).toContain('<!-- metric-names:start -->');
    expect(text).toBe(withMetricNames(text));
    for (const r of NAME_TABLE) expect(text).toContain(r.prometheus);
  });

  it('registry names map as the table says: kind and metric in the name, node and name as labels, µs in seconds', () => {
    expect(registryPromName('circuit-breaker.client/db.not-permitted', 'counter')).toEqual({ name: 'faultline_circuit_breaker_not_permitted_total', labels: { node: 'client', name: 'db' }, scale: 1 });
    expect(registryPromName('load-shedder.api.queue-length', 'gauge')).toEqual({ name: 'faultline_load_shedder_queue_length', labels: { name: 'api' }, scale: 1 });
    expect(registryPromName('load-shedder.api.queue-delay-us', 'histogram')).toEqual({ name: 'faultline_load_shedder_queue_delay_seconds', labels: { name: 'api' }, scale: 1e-6 });
    expect(registryPromName('fair-queue.t1.waitUs', 'histogram').name).toBe('faultline_fair_queue_wait_seconds');
    expect(registryPromName('client.degraded', 'counter')).toEqual({ name: 'faultline_degraded_total', labels: { name: 'client' }, scale: 1 });
  });
});
