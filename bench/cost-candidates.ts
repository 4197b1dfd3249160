/**
 * The layouts issue 11 measured before choosing one, priced with the program's own cost model:
 * each keeps the deployed plan's fixed parts (probes, heartbeats, rollback alarms, logs, KMS...)
 * and swaps the per-target metrics and alarms for the candidate's. `npm run bench:synth` prints
 * them; docs/program.md explains the choice.
 */
import { estimatedMonthlyCostUsd, estimateStage, generatedStageConfig, type UsageEstimate } from "../infra/cost";

export interface CandidateLayout {
  name: string;
  /** What it gives up against the chosen layout (empty for the chosen one). */
  givesUp: string;
  /** Custom metric-months per https target, given the number of probe regions. */
  metricMonthsPerTarget: (regions: number) => number;
  /** Alarm metrics per https target, given the number of probe regions. */
  alarmMetricsPerTarget: (regions: number) => number;
  /** Stage-wide metric-months and alarm metrics the layout adds (beyond heartbeats and rollback alarms). */
  extraMetricMonths?: number;
  extraAlarmMetrics?: number;
}

const DAILY = 1 / 24;

export const CANDIDATES: CandidateLayout[] = [
  {
    name: "Before: per-region metrics (7 with phases), metric-math quorum alarms",
    givesUp: "",
    metricMonthsPerTarget: (regions) => 7 * regions,
    alarmMetricsPerTarget: (regions) => (regions > 1 ? 2 * regions : 2) + 1,
  },
  {
    name: "Availability + Latency per URL, no Region dimension, certificate every minute",
    givesUp: "nothing (quorum over the regions that reported)",
    metricMonthsPerTarget: () => 3,
    alarmMetricsPerTarget: () => 3,
  },
  {
    name: "Availability + Latency per URL, no Region dimension, certificate once a day",
    givesUp: "nothing (quorum over the regions that reported)",
    metricMonthsPerTarget: () => 2 + DAILY,
    alarmMetricsPerTarget: () => 3,
  },
  {
    name: "Chosen: one Check metric per URL (time, or a failure value), certificate once a day",
    givesUp: "nothing (quorum over the regions that reported)",
    metricMonthsPerTarget: () => 1 + DAILY,
    alarmMetricsPerTarget: () => 3,
  },
  {
    name: "Check metric, one combined down-or-slow alarm per URL, certificate once a day",
    givesUp: "separate down and slow alarms with their own M of N",
    metricMonthsPerTarget: () => 1 + DAILY,
    alarmMetricsPerTarget: () => 2,
  },
  {
    name: "Check metric, combined alarm, one fleet certificate alarm",
    givesUp: "the above, and a certificate alarm per URL (one expiring certificate masks the next)",
    metricMonthsPerTarget: () => 1,
    alarmMetricsPerTarget: () => 1,
    extraMetricMonths: DAILY,
    extraAlarmMetrics: 1,
  },
];

export interface CandidateRow {
  name: string;
  givesUp: string;
  urls: number;
  regions: number;
  totalUsd: number;
  perUrlUsd: number;
}

/** Each candidate's cost for `urls` https URLs from each region set. */
export function candidateTable(urls: number, regionSets: ReadonlyArray<readonly string[]>): CandidateRow[] {
  const rows: CandidateRow[] = [];
  for (const candidate of CANDIDATES) {
    for (const regionList of regionSets) {
      const regions = regionList.length;
      const { usage } = estimateStage(generatedStageConfig(urls, regionList));
      // The deployed plan's fixed parts: one heartbeat per region; rollback, probe-health and dead-letter alarms.
      const fixedMetrics = regions;
      const fixedAlarms = usage.alarmMetrics - urls * 3;
      const swapped: UsageEstimate = {
        ...usage,
        customMetrics: urls * candidate.metricMonthsPerTarget(regions) + fixedMetrics + (candidate.extraMetricMonths ?? 0),
        alarmMetrics: urls * candidate.alarmMetricsPerTarget(regions) + fixedAlarms + (candidate.extraAlarmMetrics ?? 0),
      };
      const totalUsd = estimatedMonthlyCostUsd(swapped);
      rows.push({ name: candidate.name, givesUp: candidate.givesUp, urls, regions, totalUsd, perUrlUsd: Math.round((totalUsd / urls) * 1000) / 1000 });
    }
  }
  return rows;
}
