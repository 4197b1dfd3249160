/**
 * The sample notifications (the recorder's self-test, `npm run ledger:record -- --samples`, the
 * docs) name alarms exactly as the program plans them, so no example shows a name that never occurs.
 */
import { expect } from "chai";
import { sampleIncident } from "../../cli/ledger-record";
import { METRIC_MATH_OK, PROBE_HEALTH_ALARM, SINGLE_METRIC_ALARM } from "../../functions/recorder/samples";
import { loadStageConfig } from "../../infra/config";
import { allAlarms, planStage } from "../../infra/plan/stage";

const TARGET = { url: "https://example.com/", name: "example" };

function planned(stage: string, regions: string[]) {
  const config = loadStageConfig(stage, { "aws:region": regions[0], "webhealth:probeRegions": regions, "webhealth:targets": [TARGET] });
  return allAlarms(planStage(config));
}

describe("ledger: sample notifications use the program's alarm names", () => {
  it("a single-region stage: availability, latency and probe health", () => {
    const names = planned("beta", ["us-east-1"]).map((alarm) => alarm.alarmName);
    const incident = sampleIncident(Date.parse("2026-11-26T11:00:00Z")).map((message) => JSON.parse(message).AlarmName as string);
    expect(names).to.include.members([String(SINGLE_METRIC_ALARM.notification.AlarmName), String(PROBE_HEALTH_ALARM.notification.AlarmName), ...incident]);
  });

  it("a three-region stage's availability alarm is named as planned", () => {
    const names = planned("prod", ["us-east-1", "eu-west-1", "ap-southeast-2"]).map((alarm) => alarm.alarmName);
    expect(names).to.include(String(METRIC_MATH_OK.notification.AlarmName));
  });
});
