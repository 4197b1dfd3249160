/** The scripted history of the report tests, shared by the table and the HTML (Chromium) tests. */
import * as fs from "node:fs";
import * as path from "node:path";
import { Writable } from "node:stream";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { command } from "../../cli/report";
import { snsEventOf } from "../../cli/ledger-record";
import { createTableInput } from "../../functions/common/ledger";
import { recordSnsRecords } from "../../functions/recorder/recorder";
import { targetKey } from "../../infra/plan/names";
import { notificationFor, type ChangeSpec, type LocalDynamo } from "../ledger/helpers";
import type { FakeCloudWatch } from "./fake-cloudwatch";
import { CHECK_FAILED_VALUE } from "../../functions/common/metrics";

class Collector extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void) {
    this.text += chunk.toString();
    callback();
  }
}

export const REPORT_STAGE = "monthly";
const SHOP = "https://shop.example/";
const API = "https://api.example/health";
export const PREFIX = `webhealth-${REPORT_STAGE}-`;
export const API_KEY = targetKey({ url: API });
const START = Date.parse("2026-11-01T00:00:00Z");
export const MIN = 60_000;
const DAY = 1440;
export const NOW = Date.parse("2026-12-02T08:00:00Z");

/**
 * The scripted history, returned for other tests (the HTML one). Checks each minute from
 * 2026-11-01 to 2026-11-04 (3 days, 4,320 minutes) for both targets.
 * - shop (its own slo 99.5): down 2026-11-02 10:00-10:29 (30 checks failed): 4,290 / 4,320 =
 *   99.306% < 99.5%: missed. Budget 0.5% x 4,320 = 21.6 failures; used 30 / 21.6 = 138.89%, left
 *   -38.89%. Per day 100.000%, 1,410 / 1,440 = 97.917%, 100.000%. Latency when it answers:
 *   100 x day + (minute mod 10), so each residue 0-9 is equally common; nearest rank on 1,440
 *   values: p50 = 720th -> residue 4, p90 = 1,296th -> 8, p99 = 1,426th -> 9. Day 2's percentiles
 *   are of its 1,440 `Check` datums, the 30 failures (10,000,000) last: residue r takes ranks
 *   141r+1..141(r+1), so the 720th -> 5 (205), the 1,296th -> 9 (209), and the 1,426th is a
 *   failure: no latency (-). Ledger: availability ALARM 10:02-10:31 (29 minutes down: the
 *   cross-check), latency ALARM 10:25-10:40, and its burn-rate alarm 10:05-10:35: one incident
 *   10:02-10:40, 38 minutes. Its certificate alarm in ALARM 2026-11-01 06:00 to 2026-11-03 06:00
 *   is neither downtime nor an incident.
 * - api (the stage's 99.9): down 2026-11-03 12:00-12:01 (2 failed): 4,318 / 4,320 = 99.954%: met.
 *   Budget 4.32; used 2 / 4.32 = 46.30%, left 53.70%. Day 3: 1,438 / 1,440 = 99.861%. Latency 50.
 *   Ledger: availability ALARM 12:02-12:04: 2 minutes.
 */
export async function scriptHistory(cloudWatch: FakeCloudWatch, dynamo: LocalDynamo, root: string): Promise<void> {
  fs.writeFileSync(
    path.join(root, `Pulumi.${REPORT_STAGE}.yaml`),
    `config:\n  aws:region: us-east-1\n  webhealth:targets:\n    - url: ${SHOP}\n      name: shop\n      slo: 99.5\n    - url: ${API}\n  webhealth:slo:\n    burnRateAlarms: true\n`,
  );
  const minutes = Array.from({ length: 3 * DAY }, (_, i) => i);
  const at = (i: number) => START + i * MIN + 7_000;
  const shopDown = (i: number) => i >= DAY + 600 && i < DAY + 630;
  const apiDown = (i: number) => i >= 2 * DAY + 720 && i < 2 * DAY + 722;
  const metric = (url: string, points: Array<[number, number]>) => ({ region: "us-east-1", namespace: "WebHealth", metricName: "Check", dimensions: { Url: url }, points });
  cloudWatch.metrics.push(
    metric(SHOP, minutes.map((i) => [at(i), shopDown(i) ? CHECK_FAILED_VALUE : 100 * (Math.floor(i / DAY) + 1) + (i % 10)])),
    metric(API, minutes.map((i) => [at(i), apiDown(i) ? CHECK_FAILED_VALUE : 50])),
  );
  const raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "us-east-1" });
  await raw.send(new CreateTableCommand(createTableInput(`${PREFIX}alarm-ledger`)));
  raw.destroy();
  const t = (iso: string) => Date.parse(iso);
  const changes: ChangeSpec[] = [
    // Its certificate alarm warns for two days around the outage: not an incident, nor downtime.
    { alarm: `${PREFIX}shop-certificate`, url: SHOP, from: "OK", to: "ALARM", at: t("2026-11-01T06:00:00Z"), reason: "certificate expires in 13 days" },
    { alarm: `${PREFIX}shop-certificate`, url: SHOP, from: "ALARM", to: "OK", at: t("2026-11-03T06:00:00Z"), reason: "certificate renewed" },
    { alarm: `${PREFIX}shop-availability`, url: SHOP, from: "OK", to: "ALARM", at: t("2026-11-02T10:02:00Z"), reason: "shop down" },
    { alarm: `${PREFIX}shop-latency`, url: SHOP, from: "OK", to: "ALARM", at: t("2026-11-02T10:25:00Z"), reason: "shop slow" },
    // The SLO burn-rate (composite) alarm: its notification names no metric, so the item has no URL.
    { alarm: `${PREFIX}shop-burn-rate`, from: "OK", to: "ALARM", at: t("2026-11-02T10:05:00Z"), reason: "burning" },
    { alarm: `${PREFIX}shop-burn-rate`, from: "ALARM", to: "OK", at: t("2026-11-02T10:35:00Z"), reason: "slower" },
    { alarm: `${PREFIX}shop-availability`, url: SHOP, from: "ALARM", to: "OK", at: t("2026-11-02T10:31:00Z"), reason: "shop up" },
    { alarm: `${PREFIX}shop-latency`, url: SHOP, from: "ALARM", to: "OK", at: t("2026-11-02T10:40:00Z"), reason: "shop fast" },
    { alarm: `${PREFIX}${API_KEY}-availability`, url: API, from: "OK", to: "ALARM", at: t("2026-11-03T12:02:00Z"), reason: "api down" },
    { alarm: `${PREFIX}${API_KEY}-availability`, url: API, from: "ALARM", to: "OK", at: t("2026-11-03T12:04:00Z"), reason: "api up" },
  ];
  await recordSnsRecords(snsEventOf(changes.map(notificationFor)).Records, {
    client: dynamo.client,
    config: { tableName: `${PREFIX}alarm-ledger`, retentionDays: 400 },
    now: Date.now,
    log: () => undefined,
  });
}

/** Points the SDK at the fakes for the duration of a test file; returns the undo. */
export function useFakeEndpoints(cloudWatch: FakeCloudWatch, dynamo: LocalDynamo): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries({ AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.endpoint, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AWS_REGION: "us-east-1" })) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

export async function runReport(argv: string[], root: string) {
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await command.execute(argv, { stdout, stderr, env: process.env, root, signal: new AbortController().signal, now: () => NOW });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

