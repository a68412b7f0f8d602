import { describe, expect, it } from 'vitest';
import { Simulation } from '../../sim/kernel/sim.ts';
import { Metrics } from '../../sim/observe/metrics.ts';
import { Tracer } from '../../sim/observe/trace.ts';
import { akkaPhi, failureDetectorMonitor, heartbeatFailureDetector, phiAccrualFailureDetector } from '../../sim/patterns/failure-detector.ts';

describe('failure detectors', () => {
  it('akkaPhi(Δt, μ, σ) is about 1 at the 90th percentile and grows with Δt', () => {
    expect(akkaPhi(1000 + 1.2816 * 100, 1000, 100)).toBeCloseTo(1, 1);
    expect(akkaPhi(1000, 1000, 100)).toBeCloseTo(0.301, 2);
    expect(akkaPhi(2000, 1000, 100)).toBeGreaterThan(akkaPhi(1500, 1000, 100));
  });

  it('phiAccrualFailureDetector() with Akka defaults suspects about 5.5 s after the last of regular 1 s heartbeats', () => {
    const d = phiAccrualFailureDetector();
    for (let t = 0; t <= 20_000_000; t += 1_000_000) d.heartbeat(t);
    const at = d.suspectAtUs() - 20_000_000;
    expect(at).toBeGreaterThan(4_000_000);
    expect(at).toBeLessThan(6_000_000);
    expect(d.isAvailable(20_000_000 + at - 1)).toBe(true);
    expect(d.isAvailable(20_000_000 + at)).toBe(false);
    expect(d.phi(20_000_000 + at)).toBeGreaterThanOrEqual(8);
  });

  it('acceptableHeartbeatPause is added to the mean: a larger pause tolerates longer silence', () => {
    const a = phiAccrualFailureDetector({ acceptableHeartbeatPause: '0s' });
    const b = phiAccrualFailureDetector({ acceptableHeartbeatPause: '10s' });
    for (let t = 0; t <= 10_000_000; t += 1_000_000) {
      a.heartbeat(t);
      b.heartbeat(t);
    }
    expect(b.suspectAtUs() - a.suspectAtUs()).toBeGreaterThan(9_000_000);
  });

  it('minStdDeviation floors σ so perfectly regular heartbeats do not make phi explode just after the mean', () => {
    const d = phiAccrualFailureDetector({ acceptableHeartbeatPause: '0s', minStdDeviation: '500ms' });
    for (let t = 0; t <= 100_000_000; t += 1_000_000) d.heartbeat(t);
    expect(d.isAvailable(100_000_000 + 1_500_000)).toBe(true);
    const tight = phiAccrualFailureDetector({ acceptableHeartbeatPause: '0s', minStdDeviation: '1ms' });
    for (let t = 0; t <= 100_000_000; t += 1_000_000) tight.heartbeat(t);
    expect(tight.isAvailable(100_000_000 + 1_500_000)).toBe(false);
  });

  it('phiAccrualFailureDetector() is available before the first heartbeat (phi 0)', () => {
    const d = phiAccrualFailureDetector();
    expect(d.phi(1e9)).toBe(0);
    expect(d.isAvailable(1e9)).toBe(true);
  });

  it('heartbeatFailureDetector({ timeout: "3s" }) suspects strictly after 3 s of silence', () => {
    const d = heartbeatFailureDetector({ timeout: '3s' });
    d.heartbeat(1_000_000);
    expect(d.isAvailable(4_000_000)).toBe(true);
    expect(d.isAvailable(4_000_001)).toBe(false);
  });

  it('failureDetectorMonitor measures detection time after a real crash and counts false suspicions during a pause', () => {
    const sim = new Simulation();
    const metrics = new Metrics();
    const trace = new Tracer({ level: 'summary' });
    const m = failureDetectorMonitor({ sim, metrics, trace, node: 'a', target: 'b', detector: heartbeatFailureDetector({ timeout: '3s' }) });
    let alive = true;
    let paused = false;
    const beat = (): void => {
      if (alive && !paused) m.heartbeat();
      if (sim.now < 60_000_000) sim.schedule(1_000_000, beat, null);
    };
    sim.schedule(0, beat, null);
    sim.schedule(10_000_000, () => (paused = true), null); // a GC pause: alive but silent for 5 s
    sim.schedule(15_000_000, () => (paused = false), null);
    sim.schedule(30_000_000, () => {
      alive = false;
      m.targetCrashed();
    }, null);
    sim.run();
    expect(m.falseSuspicions.value).toBe(1);
    expect(m.detectionTimeUs.count).toBe(1);
    expect(m.detectionTimeUs.max).toBe(2_000_001); // last beat at 29 s, suspected at 32.000001 s
    expect(trace.records.map((r) => r.kind)).toEqual(['fd-suspect', 'fd-trust', 'fd-suspect']);
  });
});
