/**
 * Upper bounds of the fault kinds' numeric fields: far beyond any real fault, small enough that a
 * valid-looking plan cannot hang or overflow a run. `sim/faults/kinds.ts` declares them on each
 * field (so the plan validator, the JSON Schema, `faultline faults` and docs/FAULTS.md show them);
 * `sim/world/faults.ts` checks entries injected from code against the same numbers.
 */

/** Slowdown factors (limp, disk-slow, config-push with effect limp). */
export const FACTOR_MAX = 1e6;
/** Blocks made bad or corrupted, or bits flipped, by one entry at once; each counts as an event of the run's budget. */
export const COUNT_MAX = 1_000_000;
/** Bit flips per GiB of DRAM per hour: five billion times the field-study rate (a high rate on a small `dramMb` makes flips frequent; each is an event). */
export const FLIP_RATE_MAX = 1e9;
/** Memory leak in MiB per hour: a petabyte an hour. */
export const LEAK_MB_PER_HOUR_MAX = 1e9;
/** Link bandwidth cap in KB per second: a terabyte per second. */
export const RATE_KB_PER_SEC_MAX = 1e9;
/** Clock steps and offsets in milliseconds, either way: ten years, as the longest duration of a plan. */
export const CLOCK_STEP_MS_MAX = 10 * 8760 * 3_600_000;
/** Clock rate error in parts per million, either way (10 %). */
export const DRIFT_PPM_MAX = 100_000;
/** Waves of a staged config push. */
export const STAGES_MAX = 10_000;
