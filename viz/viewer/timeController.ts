/**
 * The one seam between simulated time and pixels. Every panel registers an `update(x)` and is
 * redrawn from `transform.rescaleX(x0)` on each zoom, pan or brush; nothing else changes when the
 * time window moves. All panels share one transform, so they always show the same window.
 */
import { brushX, scaleLinear, zoom, zoomIdentity, type BrushBehavior, type ScaleLinear, type Selection, type ZoomBehavior, type ZoomTransform } from 'd3';

export type TimeScale = ScaleLinear<number, number>;
type Update = (x: TimeScale) => void;

export class TimeController {
  readonly x0: TimeScale;
  x: TimeScale;
  private readonly updates: Update[] = [];
  private readonly targets: Selection<SVGGElement, unknown, null, undefined>[] = [];
  private readonly zoomBehavior: ZoomBehavior<SVGGElement, unknown>;
  private brushSel: Selection<SVGGElement, unknown, null, undefined> | null = null;
  private brushBehavior: BrushBehavior<unknown> | null = null;
  private movingBrush = false;

  constructor(
    domainUs: [number, number],
    readonly plotW: number,
  ) {
    this.x0 = scaleLinear().domain(domainUs).range([0, plotW]);
    this.x = this.x0.copy();
    document.documentElement.setAttribute('data-domain', domainUs.map((v) => Math.round(v)).join(','));
    const spanUs = Math.max(1, domainUs[1] - domainUs[0]);
    // Zoom in down to a 50 µs window: finer than any trace timestamp resolution we draw.
    const kMax = Math.max(1, spanUs / 50);
    this.zoomBehavior = zoom<SVGGElement, unknown>()
      .scaleExtent([1, kMax])
      .extent([
        [0, 0],
        [plotW, 100],
      ])
      .translateExtent([
        [0, -Infinity],
        [plotW, Infinity],
      ])
      // The page is a document first: the wheel scrolls it unless ctrl/⌘ is held (or a pinch).
      .filter((event: Event) => {
        if (event.type === 'wheel') return (event as WheelEvent).ctrlKey || (event as WheelEvent).metaKey;
        return !(event as MouseEvent).button;
      })
      .on('zoom', (event: { transform: ZoomTransform; sourceEvent: Event | null }) => {
        if (event.sourceEvent) this.apply(event.transform);
      });
  }

  /** Register a panel; it is drawn at once with the current window. */
  register(update: Update): void {
    this.updates.push(update);
    update(this.x);
  }

  /** Make a panel's plot group a zoom/pan surface. */
  attachZoom(g: Selection<SVGGElement, unknown, null, undefined>): void {
    g.call(this.zoomBehavior);
    g.on('dblclick.zoom', null);
    this.targets.push(g);
  }

  /** The overview strip's brush: selecting a range zooms every panel to it. */
  attachBrush(g: Selection<SVGGElement, unknown, null, undefined>, height: number): void {
    const brush = brushX<unknown>()
      .extent([
        [0, 0],
        [this.plotW, height],
      ])
      .on('end', (event: { selection: [number, number] | null; sourceEvent: Event | null }) => {
        if (this.movingBrush || !event.sourceEvent) return;
        if (!event.selection) this.reset();
        else this.setDomain([this.x0.invert(event.selection[0]), this.x0.invert(event.selection[1])]);
      });
    g.call(brush);
    this.brushSel = g;
    this.brushBehavior = brush;
  }

  /** Show [startUs, endUs] in every panel. */
  setDomain([a, b]: [number, number]): void {
    const [d0, d1] = this.x0.domain() as [number, number];
    const lo = Math.max(d0, Math.min(a, b));
    const hi = Math.min(d1, Math.max(a, b));
    if (!(hi > lo)) return;
    const k = (d1 - d0) / (hi - lo);
    this.apply(zoomIdentity.scale(k).translate(-this.x0(lo), 0));
  }

  reset(): void {
    this.apply(zoomIdentity);
  }

  zoomBy(factor: number): void {
    const [a, b] = this.x.domain() as [number, number];
    const mid = (a + b) / 2;
    const half = (b - a) / 2 / factor;
    const [d0, d1] = this.x0.domain() as [number, number];
    let lo = mid - half;
    let hi = mid + half;
    if (lo < d0) [lo, hi] = [d0, hi + (d0 - lo)];
    if (hi > d1) [lo, hi] = [lo - (hi - d1), d1];
    this.setDomain([Math.max(d0, lo), Math.min(d1, hi)]);
  }

  private apply(t: ZoomTransform): void {
    this.x = t.rescaleX(this.x0);
    // Keep every surface's stored transform in step without firing their zoom events.
    for (const g of this.targets) g.property('__zoom', t);
    for (const u of this.updates) u(this.x);
    if (this.brushSel && this.brushBehavior) {
      this.movingBrush = true;
      const full = t.k === 1 && t.x === 0;
      this.brushBehavior.move(this.brushSel, full ? null : [this.x0(this.x.domain()[0]!), this.x0(this.x.domain()[1]!)]);
      this.movingBrush = false;
    }
    document.documentElement.setAttribute('data-domain', (this.x.domain() as number[]).map((v) => Math.round(v)).join(','));
  }
}

/**
 * The time cursor every view shares: the playback moves it, the timeline panels draw it as a rule,
 * a click on a panel or a tour step sets it. Listeners are called at once on each change.
 */
export class TimeCursor {
  private value: number | null = null;
  private readonly listeners = new Set<(timeUs: number | null) => void>();

  get timeUs(): number | null {
    return this.value;
  }

  set(timeUs: number | null): void {
    this.value = timeUs === null ? null : Math.max(0, timeUs);
    document.documentElement.setAttribute('data-cursor', this.value === null ? '' : String(Math.round(this.value)));
    for (const l of this.listeners) l(this.value);
  }

  /** Call `listener` on every change; returns the function that stops it. */
  listen(listener: (timeUs: number | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
