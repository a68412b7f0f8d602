/**
 * The playground's Web Worker: runs the simulation off the page's thread. It receives
 * `{ id, scenario, variant, seed, params }` and answers `{ id, result }` or `{ id, error }`.
 * The scenarios come from the generated entry (`scenarios.ts` is replaced at bundle time).
 */
import { run } from '../../sim/run/runner.ts';
import '../../sim/faults/register.ts';
import type { Scenario } from '../../sim/run/scenario.ts';
import { scenarios as bundled } from 'faultline-playground-scenarios';

const scenarios: Record<string, Scenario<any>> = Object.fromEntries(Object.values(bundled as Record<string, Scenario<any>>).map((s) => [s.name, s]));

export interface RunRequestMessage {
  id: number;
  scenario: string;
  variant: string;
  seed: number | string;
  params: Record<string, number | boolean | string>;
}

self.onmessage = (ev: MessageEvent<RunRequestMessage>) => {
  const { id, scenario, variant, seed, params } = ev.data;
  const s = scenarios[scenario];
  try {
    if (!s) throw new Error(`no scenario ${scenario}`);
    const result = run(s, { seed, variant, params });
    (self as unknown as Worker).postMessage({ id, result });
  } catch (err) {
    (self as unknown as Worker).postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};

(self as unknown as Worker).postMessage({
  meta: Object.values(scenarios).map((s) => ({
    name: s.name,
    title: s.title,
    description: s.description,
    params: s.params ?? {},
    variants: Object.fromEntries(Object.entries(s.variants).map(([k, v]) => [k, { description: v.description }])),
    variantNames: [...s.variantNames],
  })),
});
