/**
 * The playground's slider scales: linear for a narrow range, logarithmic for a wide one. Pure, so
 * Node tests can check the mapping.
 */

export interface SliderScale {
  log: boolean;
  /** Slider positions 0..steps. */
  steps: number;
  toPos(v: number): number;
  fromPos(p: number): number;
}

export interface ScaleSpec {
  min?: number;
  max?: number;
  integer?: boolean;
  default: number | boolean | string;
}

/**
 * Linear for a narrow range; logarithmic when the range spans three decades or more (1..100,000
 * requests per second), so every decade gets the same share of the slider. Position 0 is always
 * the minimum (0 for a range that starts there), the last position the maximum.
 */
export function sliderScale(spec: ScaleSpec): SliderScale {
  const lo = spec.min ?? Math.min(0, Number(spec.default));
  const hi = spec.max ?? Math.max(lo + 1, Number(spec.default) * 4);
  const round = (v: number): number => {
    const c = Math.min(hi, Math.max(lo, v));
    if (spec.integer) return Math.round(c);
    return Number(c.toPrecision(3));
  };
  // a range from 0 is logarithmic from 1 up (position 0 is 0 itself)
  const floor = lo > 0 ? lo : 1;
  if (lo >= 0 && hi / floor >= 1000) {
    const steps = 1000;
    const ratio = Math.log(hi / floor);
    return {
      log: true,
      steps,
      toPos: (v) => (v <= floor ? (v <= lo ? 0 : 1) : Math.min(steps, Math.round((Math.log(v / floor) / ratio) * steps))),
      fromPos: (p) => (p <= 0 ? lo : p >= steps ? hi : round(floor * Math.exp((p / steps) * ratio))),
    };
  }
  const steps = spec.integer ? Math.max(1, Math.min(1000, hi - lo)) : 200;
  const span = hi - lo || 1;
  return {
    log: false,
    steps,
    toPos: (v) => Math.min(steps, Math.max(0, Math.round(((v - lo) / span) * steps))),
    fromPos: (p) => round(lo + (span * p) / steps),
  };
}

