import { expect } from "chai";
import { ConfigError, loadStageConfig, stackFileTargets } from "../../infra/config";
import { planStage } from "../../infra/plan/stage";
import { NotifierRuntimeConfigSchema } from "../../functions/common/notifier-config";

const TARGETS = [
  { url: "https://shop.example.com/", name: "shop" },
  { url: "https://blog.example.com/" },
];
const BASE = { "aws:region": "us-east-1", "webhealth:targets": TARGETS };
const EMAIL = { name: "oncall", type: "email", addresses: ["oncall@example.com"] };
const SLACK = { name: "team-chat", type: "slack", webhookUrl: { secret: "slack-url" } };
const SECRETS = { "webhealth:secrets": { "slack-url": "https://hooks.slack.com/services/T/B/x" } };

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    loadStageConfig("beta", raw);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

const notifications = (value: Record<string, unknown>) => ({ ...BASE, ...SECRETS, "webhealth:notifications": value });

describe("infra config: webhealth:notifications, per-target routing and notifyEmails", () => {
  it("reads channels, windows (targets by name or URL) and reminders; targets keep only probe fields", () => {
    const config = loadStageConfig("beta", {
      ...SECRETS,
      "aws:region": "us-east-1",
      "webhealth:targets": [
        { url: "https://shop.example.com/", name: "shop", channels: ["team-chat"], runbookUrl: "https://wiki.example.com/shop" },
        { url: "https://blog.example.com/" },
      ],
      "webhealth:notifications": JSON.stringify({
        channels: [EMAIL, SLACK, { name: "pager", type: "pagerduty", routingKey: { secret: "slack-url" } }],
        maintenance: [
          { name: "deploys", cron: "0 22 * * 6", durationMinutes: 120, timeZone: "Europe/Berlin", targets: ["shop", "https://blog.example.com/"] },
          { name: "migration", start: "2026-12-05T20:00:00Z", end: "2026-12-05T23:00:00+01:00" },
        ],
        reminderMinutes: 30,
      }),
    });
    expect(config.targets).to.deep.equal([{ url: "https://shop.example.com/", name: "shop" }, { url: "https://blog.example.com/" }]);
    expect(config.targetNotifications).to.deep.equal([{ channels: ["team-chat"], runbookUrl: "https://wiki.example.com/shop" }, {}]);
    expect(config.notifications.channels[2]).to.deep.equal({ name: "pager", type: "pagerduty", routingKey: { secret: "slack-url" }, eventsUrl: "https://events.pagerduty.com/v2/enqueue" });
    expect(config.notifications.maintenance).to.deep.equal([
      { name: "deploys", cron: "0 22 * * 6", durationMinutes: 120, timeZone: "Europe/Berlin", urls: ["https://shop.example.com/", "https://blog.example.com/"] },
      { name: "migration", start: "2026-12-05T20:00:00Z", end: "2026-12-05T23:00:00+01:00" },
    ]);
    expect(config.notifications.reminderMinutes).to.equal(30);
    // What the notifier ships with passes its own schema, names secrets by parameter only, and routes the shop.
    const runtime = planStage(config).notifier!.runtime;
    expect(NotifierRuntimeConfigSchema.safeParse(runtime).success).to.equal(true);
    expect(runtime.channels[1]).to.deep.equal({ name: "team-chat", type: "slack", webhookUrl: { secret: "slack-url", parameter: "/webhealth/beta/secrets/slack-url" } });
    expect(runtime.alarms["webhealth-beta-shop-availability"]).to.deep.equal({ kind: "availability", channels: ["team-chat"], url: "https://shop.example.com/", targetName: "shop", runbookUrl: "https://wiki.example.com/shop" });
    expect(runtime.alarms["webhealth-beta-notifier-dead-letters"]).to.deep.include({ kind: "dead-letters", directEmail: true, channels: ["oncall", "team-chat", "pager"] });
    expect(JSON.stringify(runtime)).to.not.include("hooks.slack.com");
  });

  it("finds a window's target by its URL in any spelling, as the targets' URLs are normalised", () => {
    const config = loadStageConfig("beta", {
      "aws:region": "us-east-1",
      "webhealth:targets": [{ url: "HTTPS://Shop.Example.com:443" }, { url: "https://blog.example.com/" }],
      "webhealth:notifications": { channels: [EMAIL], maintenance: [{ name: "deploys", start: "2026-12-05T20:00:00Z", end: "2026-12-05T22:00:00Z", targets: ["HTTPS://Shop.Example.com:443", "https://blog.example.com"] }] },
    });
    expect(config.targets.map((target) => target.url)).to.deep.equal(["https://shop.example.com/", "https://blog.example.com/"]);
    expect(config.notifications.maintenance).to.deep.equal([{ name: "deploys", start: "2026-12-05T20:00:00Z", end: "2026-12-05T22:00:00Z", urls: ["https://shop.example.com/", "https://blog.example.com/"] }]);
  });

  it("keeps accepting webhealth:notifyEmails as the e-mail channel `email`", () => {
    const config = loadStageConfig("beta", { ...BASE, "webhealth:notifyEmails": ["a@example.com", "b@example.com"] });
    expect(config.notifications.channels).to.deep.equal([{ name: "email", type: "email", addresses: ["a@example.com", "b@example.com"] }]);
    const plan = planStage(config).notifier!;
    expect(plan.emailSubscriptions).to.deep.equal([
      { channel: "email", address: "a@example.com" },
      { channel: "email", address: "b@example.com" },
    ]);
    expect(plan.operatorAddresses).to.deep.equal(["a@example.com", "b@example.com"]);
  });

  it("deploys no notifier for a stage without channels", () => {
    expect(planStage(loadStageConfig("beta", BASE)).notifier).to.equal(undefined);
  });

  it("lets npm run probe and verify read a stack file's targets with notification fields", () => {
    expect(stackFileTargets([{ url: "https://shop.example.com/", channels: ["x"], runbookUrl: "https://w.example/" }], "webhealth:targets")).to.deep.equal([{ url: "https://shop.example.com/" }]);
  });

  const cases: Array<{ title: string; raw: Record<string, unknown>; problems: string[] }> = [
    {
      title: "a channel's secret missing from webhealth:secrets, naming the channel and the secret",
      raw: { ...BASE, "webhealth:notifications": { channels: [EMAIL, SLACK] } },
      problems: [
        `webhealth:notifications.channels[1].webhookUrl: channel "team-chat" refers to the secret "slack-url", which webhealth:secrets does not define (set it with pulumi config set --secret --path 'webhealth:secrets.slack-url' <value>)`,
      ],
    },
    {
      title: "a webhook URL written in plain text",
      raw: notifications({ channels: [EMAIL, { name: "hook", type: "webhook", url: "https://hooks.example.com/x", signingKey: { secret: "slack-url" } }] }),
      problems: ['webhealth:notifications.channels[1].url: must be { "secret": "<name in webhealth:secrets>" } (the value itself is a secret and is never written here)'],
    },
    { title: "an unknown channel type", raw: notifications({ channels: [{ name: "x", type: "sms" }] }), problems: ["webhealth:notifications.channels[0].type: must be one of email, slack, teams, pagerduty, webhook"] },
    {
      title: "a bad and a repeated channel name",
      raw: notifications({ channels: [EMAIL, { ...EMAIL, name: "On Call" }, EMAIL] }),
      problems: ["webhealth:notifications.channels[1].name: must be 1-32 lowercase letters, digits or -, starting with a letter or digit", "webhealth:notifications.channels[2].name: duplicates channels[0].name"],
    },
    {
      title: "channels without an e-mail channel (nothing would reach people without the notifier)",
      raw: notifications({ channels: [SLACK] }),
      problems: [
        "webhealth:notifications.channels: add an e-mail channel: webhealth's own alarms (the notifier's dead letters and errors) reach people by e-mail straight from SNS, so that a broken notifier is never silent",
      ],
    },
    {
      title: "notifyEmails next to a channel already named email",
      raw: { ...BASE, "webhealth:notifyEmails": ["a@example.com"], "webhealth:notifications": { channels: [{ ...EMAIL, name: "email" }] } },
      problems: ['webhealth:notifyEmails: becomes the e-mail channel "email", which webhealth:notifications.channels[0] already defines: move the addresses into that channel and remove webhealth:notifyEmails'],
    },
    {
      title: "a target naming a channel that does not exist, and a bad runbook URL",
      raw: { ...SECRETS, "aws:region": "us-east-1", "webhealth:targets": [{ url: "https://shop.example.com/", channels: ["pager"], runbookUrl: "wiki/shop" }], "webhealth:notifications": { channels: [EMAIL] } },
      problems: ["webhealth:targets[0].runbookUrl: must be an http(s) URL"],
    },
    {
      title: "a target naming an unknown channel",
      raw: { ...SECRETS, "aws:region": "us-east-1", "webhealth:targets": [{ url: "https://shop.example.com/", channels: ["pager"] }], "webhealth:notifications": { channels: [EMAIL] } },
      problems: ['webhealth:targets[0].channels[0]: "pager" is not a channel of webhealth:notifications.channels (oncall)'],
    },
    {
      title: "windows: bad cron, bad zone, impossible date, end before start, 4 fields",
      raw: notifications({
        channels: [EMAIL],
        maintenance: [
          { name: "a", cron: "61 * * * *", durationMinutes: 10, timeZone: "UTC" },
          { name: "b", cron: "0 22 * * 6", durationMinutes: 10, timeZone: "Mars/Olympus" },
          { name: "c", cron: "0 22 * * 6", durationMinutes: 10, timeZone: "UTC" },
          { name: "d", start: "2026-02-30T10:00:00Z", end: "2026-03-01T10:00:00Z" },
          { name: "e", start: "2026-03-02T10:00:00Z", end: "2026-03-01T10:00:00Z" },
          { name: "f", cron: "0 22 * *", durationMinutes: 10, timeZone: "UTC" },
          { name: "g", cron: "0 0 30 2 *", durationMinutes: 10, timeZone: "UTC" },
          { name: "leap", cron: "0 0 29 2 *", durationMinutes: 10, timeZone: "UTC" },
        ],
      }),
      problems: [
        "webhealth:notifications.maintenance[0].cron: is not a valid cron expression: Invalid value for minute: 61",
        "webhealth:notifications.maintenance[1].timeZone: must be an IANA time zone like Europe/Berlin or UTC",
        "webhealth:notifications.maintenance[3].start: must be an ISO 8601 time with a zone, like 2026-12-05T20:00:00Z or 2026-12-05T21:00:00+01:00",
        "webhealth:notifications.maintenance[4].end: must be after start",
        "webhealth:notifications.maintenance[5].cron: must have 5 fields: minute hour day-of-month month day-of-week (e.g. 0 22 * * 6)",
        "webhealth:notifications.maintenance[6].cron: never opens: no date matches it (a day that does not exist in that month?)",
      ],
    },
    {
      title: "a window naming a target that does not exist",
      raw: notifications({ channels: [EMAIL], maintenance: [{ name: "c", cron: "0 22 * * 6", durationMinutes: 10, timeZone: "UTC", targets: ["shop", "nope"] }] }),
      problems: ['webhealth:notifications.maintenance[0].targets[1]: "nope" is neither the name nor the URL of a target'],
    },
    { title: "reminders too often", raw: notifications({ channels: [EMAIL], reminderMinutes: 2 }), problems: ["webhealth:notifications.reminderMinutes: must be 0 (off) or 5-10080 (the reminder sweep runs every 5 minutes)"] },
    { title: "an unknown key", raw: notifications({ channels: [EMAIL], quietHours: 3 }), problems: ["webhealth:notifications.quietHours: is not a known field"] },
  ];
  for (const { title, raw, problems } of cases) {
    it(`refuses ${title}`, () => {
      expect(problemsOf(raw)).to.deep.equal(problems);
    });
  }
});
