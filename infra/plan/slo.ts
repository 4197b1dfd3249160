/**
 * SLO burn-rate alarms (multi-window, multi-burn-rate, as in Google's SRE Workbook, "Alerting on
 * SLOs", https://sre.google/workbook/alerting-on-slos/), for stages with `webhealth:slo.burnRateAlarms`.
 *
 * The error budget of a target is 1 - objective of its checks over the SLO window (30 days by
 * default). A burn rate B spends the whole budget in window / B. Each default pair pages when a
 * share of the budget burns within a long window, confirmed by a short window (1/12 of the long
 * one) that stops the alert soon after the burn stops:
 *   - 2% of the budget in 1 hour  -> B = 0.02 x 720 h / 1 h = 14.4, confirmed over 5 minutes;
 *   - 5% of the budget in 6 hours -> B = 0.05 x 720 h / 6 h = 6,    confirmed over 30 minutes.
 * (The Workbook's third row, 10% in 3 days, is a ticket rather than a page and is left out.)
 * A window fires when its error rate is above B x (1 - objective): at 99.9%, more than 1.44% of its
 * checks failed (14.4x) or 0.6% (6x).
 *
 * In CloudWatch: one metric alarm per window on the `Check` metric (the failed percentage of its
 * samples, `PR(5000000:20000000)`, every region's checks together, over a period equal to the window; a period of an hour with one evaluation period is a rolling
 * hour, re-evaluated every minute: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html),
 * without actions, and one composite alarm per target,
 * `(ALARM(1h) AND ALARM(5m)) OR (ALARM(6h) AND ALARM(30m))`, which notifies the stage's topic on
 * ALARM and OK like every other alarm, so the recorder writes its changes into the ledger.
 */
import type { Target } from "../../functions/common/targets";
import type { StageConfig } from "../config";
import { CHECK_STATISTICS } from "../../functions/common/metrics";
import { CHECK_METRIC, targetSeries } from "./availability";
import { targetDescription, type AlarmSpec } from "./alarms";
import { alarmNamePrefix, targetKey } from "./names";

/** A target's availability objective in percent: its own `slo`, else the stage's `webhealth:slo.objective`. */
export function targetObjective(config: Pick<StageConfig, "slo">, target: Target): number {
  return target.slo ?? config.slo.objective;
}

export interface BurnRateWindow {
  /** A share of the error budget... */
  budgetShare: number;
  /** ...spent within this long window (seconds)... */
  longSeconds: number;
  /** ...and still burning over this short one. */
  shortSeconds: number;
}

/** The Workbook's two paging pairs. */
export const BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
  { budgetShare: 0.02, longSeconds: 3600, shortSeconds: 300 },
  { budgetShare: 0.05, longSeconds: 6 * 3600, shortSeconds: 1800 },
];

/** B = share x SLO window / long window. */
export function burnRate(window: BurnRateWindow, sloWindowDays: number): number {
  return (window.budgetShare * sloWindowDays * 86_400) / window.longSeconds;
}

/** The availability below which a window burns at rate B, for an objective in percent. */
export function burnThreshold(rate: number, objectivePercent: number): number {
  return 1 - rate * (1 - objectivePercent / 100);
}

/** The lowest objective at which every default pair can fire (its threshold above 0). */
export function minimumBurnObjective(sloWindowDays: number): number {
  const fastest = Math.max(...BURN_RATE_WINDOWS.map((window) => burnRate(window, sloWindowDays)));
  return 100 * (1 - 1 / fastest);
}

export interface CompositeAlarmSpec {
  logicalName: string;
  alarmName: string;
  description: string;
  kind: "burn-rate";
  region: string;
  url: string;
  /** CloudWatch's alarm rule over the window alarms' names. */
  rule: string;
  /** The window alarms the rule reads (created first). */
  children: string[];
  /** Sends ALARM and OK to the stage's topic. */
  notify: true;
}

const duration = (seconds: number) => (seconds >= 3600 ? `${seconds / 3600}h` : `${seconds / 60}m`);

/** The window alarms and the composite alarm of every target, when the stage enables them. */
export function planBurnRateAlarms(config: StageConfig): { windows: AlarmSpec[]; composites: CompositeAlarmSpec[] } {
  if (!config.slo.burnRateAlarms) return { windows: [], composites: [] };
  const prefix = alarmNamePrefix(config.stage);
  const windows: AlarmSpec[] = [];
  const composites: CompositeAlarmSpec[] = [];
  for (const target of config.targets) {
    const key = targetKey(target);
    const objective = targetObjective(config, target);
    const series = targetSeries(config, target.url);
    const pairs: string[] = [];
    const children: string[] = [];
    for (const pair of BURN_RATE_WINDOWS) {
      const rate = burnRate(pair, config.slo.windowDays);
      // The window's error rate, in percent of its checks, above which the budget burns at `rate`.
      const errorPercent = rate * (100 - objective);
      const names = [pair.longSeconds, pair.shortSeconds].map((seconds) => {
        const logicalName = `${key}-burn-${duration(pair.longSeconds)}-${duration(seconds)}`;
        const spec: AlarmSpec = {
          logicalName,
          alarmName: `${prefix}${logicalName}`,
          description: targetDescription(target.url, (url) => `${url}: more than ${Number(errorPercent.toFixed(4))}% of checks failed over ${duration(seconds)}, the error budget of its ${objective}% SLO burning at ${Number(rate.toFixed(2))}x (${pair.budgetShare * 100}% of ${config.slo.windowDays} days' budget in ${duration(pair.longSeconds)}); read by ${prefix}${key}-burn-rate`),
          kind: "burn-rate-window",
          region: config.homeRegion,
          url: target.url,
          comparisonOperator: "GreaterThanThreshold",
          threshold: Number(errorPercent.toFixed(6)),
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          // No data is no evidence of health (the policy pack requires it of every availability alarm).
          treatMissingData: "breaching",
          notify: false,
          // Every region's checks in one metric: the failed percentage of the window's samples.
          metric: { namespace: config.namespace, metricName: CHECK_METRIC, dimensions: Object.fromEntries(series[0].dimensions.map((d) => [d.Name, d.Value])), stat: CHECK_STATISTICS.failedPercent, period: seconds },
        };
        windows.push(spec);
        children.push(spec.alarmName);
        return spec.alarmName;
      });
      pairs.push(`(ALARM("${names[0]}") AND ALARM("${names[1]}"))`);
    }
    composites.push({
      logicalName: `${key}-burn-rate`,
      alarmName: `${prefix}${key}-burn-rate`,
      description: targetDescription(target.url, (url) => `${url} is spending the error budget of its ${objective}% SLO (${config.slo.windowDays} days) too fast: ${BURN_RATE_WINDOWS.map((pair) => `${Number(burnRate(pair, config.slo.windowDays).toFixed(2))}x over ${duration(pair.longSeconds)} and ${duration(pair.shortSeconds)}`).join(", or ")}`),
      kind: "burn-rate",
      region: config.homeRegion,
      url: target.url,
      rule: pairs.join(" OR "),
      children,
      notify: true,
    });
  }
  return { windows, composites };
}
