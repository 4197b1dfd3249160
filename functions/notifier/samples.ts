/**
 * Sample alarms for a stage, built from its own runtime configuration: a single-region ALARM, a
 * quorum ALARM (stages probing from several regions), a recovery and a probe-health ALARM, each
 * with the facts the notifier would have read (probe results, when it went into ALARM). Used by
 * `npm run notify -- --preview` and the notifier's self-test: nothing is read or sent.
 */
import { CHECK_STATISTICS, quorumPercentThreshold, TARGET_METRICS } from "../common/metrics";
import type { NotifierRuntimeConfig } from "../common/notifier-config";
import { parseAlarmNotification } from "../recorder/notification";
import { readAlarmEvent } from "./alarm";
import { buildMessage, type AlarmMessage } from "./message";
import type { ResultSummary } from "./probe-results";

export interface NotifierSample {
  name: string;
  /** The CloudWatch notification (the SNS `Message`), as CloudWatch would publish it. */
  notification: Record<string, unknown>;
  results?: ResultSummary[];
  alarmSince?: string;
}

export const SAMPLE_TIME = Date.parse("2026-11-26T10:03:41.123Z");
const ACCOUNT = "123456789012";

function cloudWatchTime(millis: number): string {
  return new Date(millis).toISOString().replace("Z", "+0000");
}

function base(config: NotifierRuntimeConfig, alarmName: string, state: "OK" | "ALARM", old: string, reason: string, at: number, description?: string) {
  return {
    AlarmName: alarmName,
    AlarmDescription: description ?? null,
    AWSAccountId: ACCOUNT,
    AlarmConfigurationUpdatedTimestamp: "2026-11-20T08:00:00.000+0000",
    NewStateValue: state,
    NewStateReason: reason,
    StateChangeTime: cloudWatchTime(at),
    Region: config.homeRegion,
    AlarmArn: `arn:aws:cloudwatch:${config.homeRegion}:${ACCOUNT}:alarm:${alarmName}`,
    OldStateValue: old,
  };
}

function failure(region: string, at: number): ResultSummary {
  const iso = new Date(at).toISOString();
  const failed = { at: iso, ok: false, status: null, errorCode: "TIMEOUT", errorMessage: "no response within 10000 ms", totalMs: 10_000 };
  return { region, latest: failed, latestFailure: failed, failingSince: new Date(at - 4 * 60_000).toISOString(), lastOkAt: new Date(at - 5 * 60_000).toISOString(), failingWholeWindow: false };
}

function passing(region: string, at: number): ResultSummary {
  const ok = { at: new Date(at).toISOString(), ok: true, status: 200, totalMs: 182 };
  return { region, latest: ok, lastOkAt: ok.at, failingWholeWindow: false };
}

export function notifierSamples(config: NotifierRuntimeConfig): { samples: NotifierSample[]; skipped: string[] } {
  const entries = Object.entries(config.alarms);
  const availability = entries.find(([, alarm]) => alarm.kind === "availability");
  const probeHealth = entries.find(([, alarm]) => alarm.kind === "probe-health");
  const regions = config.probeLogGroups.map((group) => group.region);
  const samples: NotifierSample[] = [];
  const skipped: string[] = [];
  if (availability) {
    const [name, alarm] = availability;
    const url = alarm.url!;
    // The availability alarm reads `Check` (every region writes it) with the failed-percent statistic
    // (functions/common/metrics.ts); CloudWatch quotes the percent of the period's checks that failed.
    const trigger = (threshold: number) => ({
      MetricName: TARGET_METRICS.check,
      Namespace: "WebHealth",
      StatisticType: "ExtendedStatistic",
      ExtendedStatistic: CHECK_STATISTICS.failedPercent,
      Dimensions: [{ value: url, name: "Url" }],
      Period: 60,
      EvaluationPeriods: 3,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: threshold,
      TreatMissingData: "breaching",
    });
    const single = {
      ...base(config, name, "ALARM", "OK", "Threshold Crossed: 2 out of the last 3 datapoints [100.0 (26/11/26 10:02:00), 100.0 (26/11/26 10:01:00)] were greater than or equal to the threshold (99.5) (minimum 2 datapoints for OK -> ALARM transition).", SAMPLE_TIME),
      Trigger: trigger(quorumPercentThreshold(1, 1)),
    };
    if (regions.length === 1) {
      samples.push({ name: "single-region ALARM", notification: single, results: [failure(regions[0], SAMPLE_TIME - 60_000)] });
    } else {
      skipped.push(`single-region ALARM: this stage probes from ${regions.length} regions (${regions.join(", ")}); see the quorum ALARM`);
      // Two regions fail: that share of the period's checks, against a quorum of 2.
      const threshold = quorumPercentThreshold(2, regions.length);
      const percent = String((2 / regions.length) * 100).replace(/^(\d+)$/, "$1.0");
      const quorum = {
        ...base(config, name, "ALARM", "OK", `Threshold Crossed: 2 out of the last 3 datapoints [${percent} (26/11/26 10:02:00), ${percent} (26/11/26 10:01:00)] were greater than or equal to the threshold (${threshold}).`, SAMPLE_TIME),
        Trigger: trigger(threshold),
      };
      samples.push({ name: "quorum ALARM", notification: quorum, results: regions.map((region, index) => (index < 2 ? failure(region, SAMPLE_TIME - 60_000) : passing(region, SAMPLE_TIME - 60_000))) });
    }
    if (regions.length === 1) skipped.push(`quorum ALARM: this stage probes from one region (${regions[0]})`);
    const recoveryAt = SAMPLE_TIME + 31 * 60_000 + 21_333;
    samples.push({
      name: "recovery",
      notification: { ...single, ...base(config, name, "OK", "ALARM", "Threshold Crossed: 1 out of the last 3 datapoints [0.0 (26/11/26 10:34:00)] was not greater than or equal to the threshold (99.5).", recoveryAt) },
      alarmSince: new Date(SAMPLE_TIME).toISOString(),
    });
  } else {
    skipped.push("single-region ALARM, quorum ALARM, recovery: the stage has no availability alarm");
  }
  if (probeHealth) {
    const [name, alarm] = probeHealth;
    samples.push({
      name: "probe health",
      notification: {
        ...base(config, name, "ALARM", "OK", "Threshold Crossed: 2 out of the last 3 datapoints [0.0 (26/11/26 10:02:00), 0.0 (26/11/26 10:01:00)] were less than the threshold (2.0).", SAMPLE_TIME),
        Trigger: { MetricName: "TargetsProbed", Namespace: "WebHealth", Statistic: "SUM", Dimensions: regions.length > 1 ? [{ value: alarm.subject, name: "Region" }] : [], Period: 60, EvaluationPeriods: 3, ComparisonOperator: "LessThanThreshold", Threshold: 2 },
      },
    });
  }
  return { samples, skipped };
}

/** The message a sample becomes. */
export function sampleMessage(sample: NotifierSample, config: NotifierRuntimeConfig): AlarmMessage {
  const event = readAlarmEvent(parseAlarmNotification(JSON.stringify(sample.notification)), config);
  return buildMessage(event, config, { now: Date.parse(event.changedAt), results: sample.results, ...(sample.alarmSince ? { alarmSince: sample.alarmSince } : {}) });
}
