/** The scenarios module the playground's bundler generates (see build.ts). */
declare module 'faultline-playground-scenarios' {
  import type { Scenario } from '../../sim/run/scenario.ts';
  export const scenarios: Record<string, Scenario<any>>;
  /** Scenario name → the file path the replay command names (scenarios that are not built in). */
  export const refs: Record<string, string>;
}
