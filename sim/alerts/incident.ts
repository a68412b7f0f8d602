/**
 * The figures an SRE compares designs by, per run (RunResult metrics, where they apply):
 *
 * - `timeToDetectMs`: from the first fault's start to the first alert that fires at or after it;
 *   null when none does.
 * - `timeToAcknowledgeMs`: from the first fault's start to the first acknowledged page after it
 *   (with an on-call rotation); null when nobody acknowledged one.
 * - `timeToRecoverMs`: from the first fault's start to the moment the SLO holds again for good:
 *   the end of the last SLO window that fails after the fault started (0 when none fails), null
 *   when the run ends in a failing window. Windows are the run's series windows (`slo` in the
 *   alerting configuration: availability per window, default 99 %).
 * - `falseAlerts`: alerts that fired with no fault to explain them: before the first fault, or
 *   after recovery by more than the rules' lag (their longest range + `for` + interval). Without a
 *   fault every alert that fires is a false one.
 *
 * Times are of the fault plan as the run applied it (the earliest `at`).
 */
import { sloWindows } from '../check/slo.ts';
import type { RequestStats } from '../observe/requests.ts';
import type { AlertEpisode } from './eval.ts';
import type { AlertingConfig } from './rules.ts';

/** What the run's metrics get from its alerting. */
export interface IncidentMetrics {
  timeToDetectMs?: number | null;
  timeToAcknowledgeMs?: number | null;
  timeToRecoverMs?: number | null;
  falseAlerts: number;
  /** Alerts that fired (every instance). */
  alertsFired: number;
}

/** The key names, in the order tables show them. */
export const INCIDENT_METRIC_KEYS = ['timeToDetectMs', 'timeToAcknowledgeMs', 'timeToRecoverMs', 'falseAlerts'] as const;

const ms = (us: number): number => Math.round(us / 1000);

/** When the SLO holds again for good after `fromUs`: µs, or null when the run ends failing. */
export function recoveredAtUs(requests: RequestStats, config: AlertingConfig, fromUs: number): number | null {
  const windows = sloWindows(requests, { availabilityMin: config.slo.availabilityMin, requestsMin: config.slo.requestsMin }, { fromUs });
  let lastFail = -1;
  let lastJudged = -1;
  windows.forEach((w, i) => {
    if (w.pass === null) return;
    lastJudged = i;
    if (!w.pass) lastFail = i;
  });
  if (lastFail < 0) return fromUs;
  if (lastFail === lastJudged) return null;
  return Math.max(fromUs, windows[lastFail]!.endUs);
}

export function incidentMetrics(o: {
  episodes: readonly AlertEpisode[];
  faultStartUs: number | null;
  requests: RequestStats;
  config: AlertingConfig;
  /** When pages were acknowledged (with an on-call rotation), else undefined. */
  acksUs?: readonly number[];
}): IncidentMetrics {
  const fired = o.episodes.filter((e) => e.firingAtUs !== null);
  const out: IncidentMetrics = { falseAlerts: 0, alertsFired: fired.length };
  const start = o.faultStartUs;
  if (start === null) {
    out.falseAlerts = fired.length;
    return out;
  }
  const detected = fired.map((e) => e.firingAtUs!).filter((t) => t >= start);
  out.timeToDetectMs = detected.length ? ms(Math.min(...detected) - start) : null;
  if (o.acksUs !== undefined) {
    const acks = o.acksUs.filter((t) => t >= start);
    out.timeToAcknowledgeMs = acks.length ? ms(Math.min(...acks) - start) : null;
  }
  const rec = recoveredAtUs(o.requests, o.config, start);
  out.timeToRecoverMs = rec === null ? null : ms(rec - start);
  const lateAfter = rec === null ? Infinity : rec + o.config.lagUs;
  out.falseAlerts = fired.filter((e) => e.firingAtUs! < start || e.firingAtUs! > lateAfter).length;
  return out;
}
