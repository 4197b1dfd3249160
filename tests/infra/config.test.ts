import { expect } from "chai";
import { inspect } from "node:util";
import { CONFIG_DEFAULTS, ConfigError, loadStageConfig, schedulePeriodSeconds } from "../../infra/config";
import { REDACTED } from "../../functions/common/secrets";

const BASE = { "aws:region": "us-east-1", "webhealth:targets": [{ url: "https://example.com/" }] };

function problemsOf(raw: Record<string, unknown>, stage = "beta", secretKeys?: ReadonlySet<string>): string[] {
  try {
    loadStageConfig(stage, raw, { secretKeys });
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("infra config: webhealth:* keys", () => {
  it("applies every default to a minimal stack", () => {
    const config = loadStageConfig("beta", BASE);
    expect(config).to.deep.equal({
      stage: "beta",
      homeRegion: "us-east-1",
      targets: [{ url: "https://example.com/" }],
      notifications: { channels: [], maintenance: [], reminderMinutes: 0 },
      targetNotifications: [{}],
      probeRegions: ["us-east-1"],
      multiRegion: false,
      schedule: "rate(1 minute)",
      periodSeconds: 60,
      namespace: "WebHealth",
      phaseMetrics: false,
      probeConcurrency: 32,
      probeMemoryMb: 512,
      deploymentConfig: "CodeDeployDefault.LambdaAllAtOnce",
      ledgerRetentionDays: 400,
      logRetentionDays: 30,
      protectData: false,
      alarms: { ...CONFIG_DEFAULTS.alarms, quorum: 1 },
      slo: { objective: 99.9, burnRateAlarms: false, windowDays: 30 },
      secrets: {},
      accountQuotas: {},
    });
  });

  it("defaults the quorum to a majority of the probe regions", () => {
    const quorum = (regions: string[]) => loadStageConfig("beta", { ...BASE, "webhealth:probeRegions": regions }).alarms.quorum;
    expect([quorum(["us-east-1"]), quorum(["us-east-1", "eu-west-1"]), quorum(["us-east-1", "eu-west-1", "ap-southeast-2"])]).to.deep.equal([1, 2, 2]);
  });

  const cases: Array<{ title: string; raw: Record<string, unknown>; stage?: string; problems: string[] }> = [
    { title: "targets missing", raw: { "aws:region": "us-east-1" }, problems: ["webhealth:targets: is required"] },
    {
      title: "an SLO of 100% or a target's of 50%",
      raw: { ...BASE, "webhealth:slo": { objective: 100 }, "webhealth:targets": [{ url: "https://example.com/", slo: 50 }] },
      problems: ["webhealth:targets[0].slo: must be above 50", "webhealth:slo.objective: must be below 100 (100% leaves no error budget)"],
    },
    {
      title: "a bad target URL, named by index",
      raw: { ...BASE, "webhealth:targets": [{ url: "https://a.example.com/" }, { url: "https://b.example.com/" }, { url: "ftp://c.example.com/" }] },
      problems: ["webhealth:targets[2].url: must be http or https"],
    },
    { title: "aws:region missing", raw: { "webhealth:targets": BASE["webhealth:targets"] }, problems: ["aws:region: is required (the home region of metrics, alarms and the ledger)"] },
    { title: "a bad region in probeRegions", raw: { ...BASE, "webhealth:probeRegions": ["us-east-1", "Europe"] }, problems: ["webhealth:probeRegions[1]: must be an AWS region name like eu-west-1"] },
    { title: "a repeated region", raw: { ...BASE, "webhealth:probeRegions": ["us-east-1", "us-east-1"] }, problems: ["webhealth:probeRegions[1]: duplicates probeRegions[0]"] },
    { title: "an empty region list", raw: { ...BASE, "webhealth:probeRegions": [] }, problems: ["webhealth:probeRegions: must contain at least one region"] },
    {
      title: "more regions than the quorum's percent thresholds keep exact",
      raw: { ...BASE, "webhealth:probeRegions": ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-southeast-1", "ap-southeast-2"] },
      problems: ["webhealth:probeRegions: must contain at most 10 regions (the quorum alarms compare shares of the period's checks, one per region, which stay at least a point apart up to 10)"],
    },
    { title: "a bad email", raw: { ...BASE, "webhealth:notifyEmails": ["oncall@example.com", "not-an-address"] }, problems: ["webhealth:notifyEmails[1]: must be an email address"] },
    { title: "a cron schedule", raw: { ...BASE, "webhealth:schedule": "cron(0 * * * ? *)" }, problems: ["webhealth:schedule: must be rate(N minute[s]) or rate(N hour[s]) between 1 minute and 1 hour"] },
    { title: "a plural unit for 1", raw: { ...BASE, "webhealth:schedule": "rate(1 minutes)" }, problems: ["webhealth:schedule: must be rate(N minute[s]) or rate(N hour[s]) between 1 minute and 1 hour"] },
    { title: "an unknown key", raw: { ...BASE, "webhealth:probeRegion": "us-east-1" }, problems: ["webhealth:probeRegion: is not a known field"] },
    { title: "an unknown alarm setting", raw: { ...BASE, "webhealth:alarms": { quorom: 2 } }, problems: ["webhealth:alarms.quorom: is not a known field"] },
    { title: "datapoints above periods", raw: { ...BASE, "webhealth:alarms": { latencyDatapoints: 6 } }, problems: ["webhealth:alarms.latencyDatapoints: must be at most latencyPeriods (5)"] },
    {
      title: "a quorum above the region count",
      raw: { ...BASE, "webhealth:probeRegions": ["us-east-1", "eu-west-1"], "webhealth:alarms": { quorum: 3 } },
      problems: ["webhealth:alarms.quorum: must be at most the number of probe regions (2)"],
    },
    { title: "an unknown deployment config", raw: { ...BASE, "webhealth:deploymentConfig": "AllAtOnce" }, problems: [`webhealth:deploymentConfig: must be one of ${["CodeDeployDefault.LambdaAllAtOnce", "CodeDeployDefault.LambdaCanary10Percent5Minutes", "CodeDeployDefault.LambdaCanary10Percent10Minutes", "CodeDeployDefault.LambdaCanary10Percent15Minutes", "CodeDeployDefault.LambdaCanary10Percent30Minutes", "CodeDeployDefault.LambdaLinear10PercentEvery1Minute", "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes", "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes", "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes"].join(", ")}`] },
    { title: "a log retention CloudWatch does not offer", raw: { ...BASE, "webhealth:logRetentionDays": 10 }, problems: ["webhealth:logRetentionDays: must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"] },
    { title: "a string where a boolean belongs", raw: { ...BASE, "webhealth:protectData": "yes" }, problems: ["webhealth:protectData: must be true or false"] },
    { title: "concurrency out of range", raw: { ...BASE, "webhealth:probeConcurrency": 0 }, problems: ["webhealth:probeConcurrency: must be at least 1"] },
    { title: "a reserved namespace", raw: { ...BASE, "webhealth:namespace": "AWS/Lambda" }, problems: ["webhealth:namespace: must not start with AWS/ (reserved for AWS services)"] },
    {
      title: "an encrypted value outside webhealth:secrets",
      raw: { ...BASE, "webhealth:notifyEmails": { secure: "v1:abc" } },
      problems: ["webhealth:notifyEmails: is a secret (secure:), but only webhealth:secrets holds secrets: set it in plain text, or keep the value in webhealth:secrets and refer to it by name"],
    },
    {
      title: "an encrypted value nested in a target, named by its path",
      raw: { ...BASE, "webhealth:targets": [{ url: "https://example.com/", expect: { headers: { "x-token": { secure: "v1:abc" } } } }] },
      problems: ["webhealth:targets[0].expect.headers.x-token: is a secret (secure:), but only webhealth:secrets holds secrets: set it in plain text, or keep the value in webhealth:secrets and refer to it by name"],
    },
    { title: "a secret name that cannot name a parameter", raw: { ...BASE, "webhealth:secrets": { "api token": "x" } }, problems: ["webhealth:secrets.api token: must be 1-64 letters, digits, _ . or -, starting with a letter or digit"] },
    { title: "an empty secret", raw: { ...BASE, "webhealth:secrets": { token: "" } }, problems: ["webhealth:secrets.token: must not be empty"] },
    { title: "a secret that is a list", raw: { ...BASE, "webhealth:secrets": { token: ["a"] } }, problems: ["webhealth:secrets.token: must be a string"] },
    { title: "a secret over SSM's 4 KB", raw: { ...BASE, "webhealth:secrets": { token: "é".repeat(2049) } }, problems: ["webhealth:secrets.token: must be at most 4096 bytes (an SSM SecureString parameter)"] },
    { title: "secrets that are not a map", raw: { ...BASE, "webhealth:secrets": "token" }, problems: ["webhealth:secrets: must be a map of secret names to values"] },
    {
      title: "two secret names that read the same environment variable",
      raw: { ...BASE, "webhealth:secrets": { "api.token": "a", api_token: "b" } },
      problems: ["webhealth:secrets.api_token: reads the same environment variable (WEBHEALTH_SECRET_API_TOKEN) as secrets.api.token when probing locally: rename one"],
    },
    {
      title: "a target naming a secret that webhealth:secrets lacks",
      raw: { ...BASE, "webhealth:secrets": { other: "x" }, "webhealth:targets": [{ url: "https://api.example.com/", name: "api", request: { headers: { Authorization: { secret: "api-token" } } } }] },
      problems: [
        "webhealth:targets[0].request.headers.Authorization: secret \"api-token\" is not in webhealth:secrets (target api); set it with pulumi config set --secret --path 'webhealth:secrets.api-token' <value>",
      ],
    },
    {
      // A dot in a --path key nests: the command must quote such a name, or following it fails again.
      title: "a target naming a secret with a dot that webhealth:secrets lacks",
      raw: { ...BASE, "webhealth:targets": [{ url: "https://api.example.com/", name: "api", request: { headers: { Authorization: { secret: "api.token" } } } }] },
      problems: [
        "webhealth:targets[0].request.headers.Authorization: secret \"api.token\" is not in webhealth:secrets (target api); set it with pulumi config set --secret --path 'webhealth:secrets[\"api.token\"]' <value>",
      ],
    },
    {
      // What `pulumi config set --secret --path 'webhealth:secrets.api.token'` writes.
      title: "a secret name with a dot that --path nested",
      raw: { ...BASE, "webhealth:secrets": { api: { token: { secure: "v1:abc" } } } },
      problems: ["webhealth:secrets.api: must be a string (a dot in a --path key nests: set a name with a dot as --path 'webhealth:secrets[\"<a.b>\"]')"],
    },
    {
      title: "two targets whose names make the same alarm names",
      raw: { ...BASE, "webhealth:targets": [{ url: "https://a.example.com/", name: "Shop API" }, { url: "https://b.example.com/", name: "shop-api" }] },
      problems: ['webhealth:targets[1].name: names the same alarms ("shop-api") as webhealth:targets[0]: give each target a distinct name'],
    },
    {
      title: "a target too slow for any shard",
      raw: { ...BASE, "webhealth:targets": [{ url: "https://a.example.com/" }, { url: "https://slow.example.com/", timeoutMs: 30000, retries: 1 }] },
      problems: ["webhealth:targets[1]: can take 65.5 s (timeoutMs 30000 x 2 attempts + retry pauses + 5 s start) but a probe run has 60 s: lower timeoutMs or retries, or use a longer schedule"],
    },
    { title: "a stage name that cannot name functions", raw: BASE, stage: "Production-EU-West", problems: ['stack: "Production-EU-West" must be lowercase letters, digits and dashes, at most 12 characters (it names functions and alarms)'] },
    {
      title: "every problem at once, one per line",
      raw: { "aws:region": "moon-1", "webhealth:targets": [], "webhealth:phaseMetrics": 1 },
      problems: ["aws:region: must be an AWS region name like eu-west-1", "webhealth:targets: must contain at least one target", "webhealth:phaseMetrics: must be true or false"],
    },
  ];
  for (const { title, raw, stage, problems } of cases) {
    it(`rejects ${title}`, () => {
      expect(problemsOf(raw, stage)).to.deep.equal(problems);
    });
  }

  it("reads the strings Pulumi writes and hands over exactly like structured values, leaving string keys alone", () => {
    // Prepare: `pulumi config set` stores top-level values as strings, and the CLI hands the program every value as a string.
    const structured = {
      ...BASE,
      "webhealth:phaseMetrics": false,
      "webhealth:probeConcurrency": 8,
      "webhealth:alarms": { quorum: 1, latencyPeriods: 6 },
      "webhealth:schedule": "rate(5 minutes)",
      "webhealth:namespace": "123",
    };
    const asStrings = {
      "aws:region": "us-east-1",
      "webhealth:targets": '[{"url":"https://example.com/"}]',
      "webhealth:phaseMetrics": "false",
      "webhealth:probeConcurrency": "8",
      "webhealth:alarms": '{"quorum":1,"latencyPeriods":6}',
      "webhealth:schedule": "rate(5 minutes)",
      "webhealth:namespace": "123",
    };

    // Act
    const fromStrings = loadStageConfig("beta", asStrings);
    const fromValues = loadStageConfig("beta", structured);

    // Assess
    expect(fromStrings).to.deep.equal(fromValues);
    expect([fromStrings.phaseMetrics, fromStrings.probeConcurrency, fromStrings.alarms.latencyPeriods, fromStrings.namespace]).to.deep.equal([false, 8, 6, "123"]);
  });

  it("treats every webhealth:secrets value as a secret: plain, encrypted or a number, never shown", () => {
    // Prepare: what the CLI decrypts, what a stack file read without the CLI holds, and what `--path` stores for digits.
    const raw = { ...BASE, "webhealth:secrets": { token: "s3cr3t-value", sealed: { secure: "v1:Zm9v" }, pin: 1234 } };

    // Act
    const { secrets } = loadStageConfig("beta", raw);

    // Assess
    expect(Object.keys(secrets)).to.deep.equal(["token", "sealed", "pin"]);
    expect([secrets.token.reveal(), secrets.sealed.reveal(), secrets.pin.reveal()]).to.deep.equal(["s3cr3t-value", undefined, "1234"]);
    expect([secrets.token.readable, secrets.sealed.readable]).to.deep.equal([true, false]);
    const shown = [JSON.stringify(secrets), String(secrets.token), `${secrets.token}`, inspect(secrets), inspect(loadStageConfig("beta", raw))].join("\n");
    expect(shown).to.not.include("s3cr3t-value");
    expect(shown).to.not.include("1234");
    expect(JSON.stringify(secrets)).to.equal(JSON.stringify({ token: REDACTED, sealed: REDACTED, pin: REDACTED }));
  });

  it("reads webhealth:secrets as the CLI hands it over (JSON of decrypted values), and refuses other keys the CLI says are secret", () => {
    const fromCli = loadStageConfig("beta", { ...BASE, "webhealth:secrets": '{"token":"s3cr3t-value"}' }, { secretKeys: new Set(["webhealth:secrets"]) });
    expect(fromCli.secrets.token.reveal()).to.equal("s3cr3t-value");
    expect(problemsOf({ ...BASE, "webhealth:namespace": "Prod" }, "beta", new Set(["webhealth:namespace"]))).to.deep.equal([
      "webhealth:namespace: is a secret (secure:), but only webhealth:secrets holds secrets: set it in plain text, or keep the value in webhealth:secrets and refer to it by name",
    ]);
  });

  it("turns rate expressions into periods", () => {
    expect(["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(2 hours)", "rate(0 minutes)", "rate(2 minute)"].map(schedulePeriodSeconds)).to.deep.equal([60, 300, 3600, 7200, undefined, undefined]);
  });
});
