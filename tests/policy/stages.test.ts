// Every policy rule over every stage's synth output (the Pulumi program under mocks), and a
// mutated synth resource that each rule must catch. Each resource's options are the ones synth
// recorded from the program (ignoreChanges, protect, retainOnDelete), fed in as `opts`.
import { expect } from "chai";
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PolicyResource } from "../../policy/rule-kit";
import { checkResources, RESOURCE_RULES, TYPES, Violation } from "../../policy/rules";
import { CHECK_STATISTICS } from "../../functions/common/metrics";

const ROOT = path.resolve(__dirname, "..", "..");
const SYNTH_MODULE = path.join(ROOT, "infra", "synth.ts");
const SYNTH_CLI = path.join(ROOT, "cli", "synth.ts");

interface SynthDocument {
  stack: string;
  resources: Array<{ type: string; name: string; inputs: Record<string, unknown>; options: { ignoreChanges: string[]; protect: boolean; retainOnDelete: boolean } }>;
}

/** The tests' own stage files (never the shipped ones, which belong to the user). */
const FIXTURE_STACKS = path.join(ROOT, "tests", "fixtures", "stacks");

/** The fixture stage files, e.g. ["beta", "gamma", "prod"]. */
function stages(): string[] {
  return fs
    .readdirSync(FIXTURE_STACKS)
    .map((file) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(file)?.[1])
    .filter((stage): stage is string => stage !== undefined)
    .sort();
}

/** Synth resources as the policy pack sees them; `aliasOptions` replaces the recorded options of every alias. */
function asPolicyResources(document: SynthDocument, aliasOptions?: PolicyResource["opts"]): PolicyResource[] {
  return document.resources.map((resource) => ({
    type: resource.type,
    name: resource.name,
    props: resource.inputs,
    opts: resource.type === TYPES.alias && aliasOptions ? aliasOptions : { ignoreChanges: resource.options.ignoreChanges, protect: resource.options.protect, retainOnDelete: resource.options.retainOnDelete },
  }));
}

/** Loaded at run time, so these tests can say they wait on the program instead of failing to load. */
async function loadProgram() {
  const { synthesize } = (await import(SYNTH_MODULE)) as { synthesize(stage: string, config?: Record<string, unknown>): Promise<{ document: SynthDocument }> };
  const { readStackConfig } = (await import(path.join(ROOT, "infra", "stack-files.ts"))) as { readStackConfig(stage: string, root: string): Record<string, unknown> };
  return { synthesize: (stage: string) => synthesize(stage, readStackConfig(stage, FIXTURE_STACKS)) };
}

/** Rules that must each find something to check in every stage, so "no violations" is not vacuous. */
const RULES_THAT_MUST_APPLY = [
  "live-alias-ignores-codedeploy-fields",
  "deployment-group-safe-rollout",
  "sns-topic-customer-managed-kms",
  "dynamodb-encrypted-and-recoverable",
  "iam-no-wildcard-actions",
  "put-metric-data-namespace-condition",
  "availability-alarm-missing-data-breaching",
  "eventbridge-lambda-targets-live-alias",
  "lambda-event-target-no-retry-with-dlq",
  "lambda-permission-qualified-by-alias",
  "lambda-arm64-nodejs24",
  "human-subscription-drops-verify-test",
];

describe("policy rules over every stage's synth output", function () {
  const documents = new Map<string, SynthDocument>();

  before(async function () {
    if (!fs.existsSync(SYNTH_MODULE)) {
      console.log("    skipped: these tests wait on the Pulumi program's synth (infra/synth.ts)");
      this.skip();
    }
    this.timeout(120_000);
    const program = await loadProgram();
    for (const stage of stages()) documents.set(stage, (await program.synthesize(stage)).document);
  });

  it("finds the three stage files", () => {
    expect(stages()).to.deep.equal(["beta", "gamma", "prod"]);
  });

  for (const stage of ["beta", "gamma", "prod"]) {
    it(`${stage}: no rule reports a violation`, () => {
      const violations = checkResources(asPolicyResources(documents.get(stage)!));
      expect(violations).to.deep.equal([]);
    });

    it(`${stage}: every key rule has resources to check`, () => {
      const resources = asPolicyResources(documents.get(stage)!);
      const applies = (ruleName: string) => {
        const rule = RESOURCE_RULES.find((candidate) => candidate.name === ruleName)!;
        return resources.some((resource) => rule.resourceTypes.includes(resource.type));
      };
      expect(RULES_THAT_MUST_APPLY.filter((name) => !applies(name))).to.deep.equal([]);
      const liveAliases = resources.filter((resource) => resource.type === TYPES.alias && resource.props.name === "live");
      const availabilityAlarms = resources.filter(
        (resource) => resource.type === TYPES.metricAlarm && resource.props.extendedStatistic === CHECK_STATISTICS.failedPercent,
      );
      const lambdaTargets = resources.filter((resource) => resource.type === TYPES.eventTarget && String(resource.props.arn).includes(":lambda:"));
      expect(liveAliases.length, "live aliases").to.be.greaterThan(0);
      expect(availabilityAlarms.length, "availability alarms").to.be.greaterThan(0);
      expect(lambdaTargets.length, "Lambda event targets").to.be.greaterThan(0);
    });
  }

  describe("a mutated beta resource is caught by the right rule", () => {
    /** Applies a mutation to a deep copy of beta's first resource matching `pick`, returns the violations. */
    function violationsAfter(pick: (resource: PolicyResource) => boolean, mutate: (resource: PolicyResource) => void) {
      const resources = asPolicyResources(structuredClone(documents.get("beta")!));
      const target = resources.find(pick);
      expect(target, "resource to mutate").to.not.equal(undefined);
      mutate(target!);
      return { target: target!, violations: checkResources(resources) };
    }
    const only = (violations: Violation[]) => violations.map(({ rule, type, resource, message }) => ({ rule, type, resource, message }));

    it("an availability alarm that treats missing data as notBreaching", () => {
      const { target, violations } = violationsAfter(
        (resource) => resource.type === TYPES.metricAlarm && resource.props.extendedStatistic === CHECK_STATISTICS.failedPercent,
        (resource) => (resource.props.treatMissingData = "notBreaching"),
      );
      expect(only(violations)).to.deep.equal([
        {
          rule: "availability-alarm-missing-data-breaching",
          type: TYPES.metricAlarm,
          resource: target.name,
          message: 'treatMissingData must be "breaching" on an availability alarm, got "notBreaching": a dead probe must not look healthy',
        },
      ]);
    });

    it("a schedule target on the bare function", () => {
      const { target, violations } = violationsAfter(
        (resource) => resource.type === TYPES.eventTarget && String(resource.props.arn).endsWith(":live"),
        (resource) => (resource.props.arn = String(resource.props.arn).replace(/:live$/, "")),
      );
      const bare = String(target.props.arn);
      expect(only(violations)).to.deep.equal([
        {
          rule: "eventbridge-lambda-targets-live-alias",
          type: TYPES.eventTarget,
          resource: target.name,
          message: `arn must be the function's live alias (…:function:<name>:live); "${bare}" is the unqualified function, which runs $LATEST`,
        },
      ]);
    });

    it("live aliases created without the program's ignoreChanges", () => {
      const violations = checkResources(asPolicyResources(documents.get("beta")!, { ignoreChanges: [] }));
      const aliasViolations = violations.filter((violation) => violation.rule === "live-alias-ignores-codedeploy-fields");
      expect(aliasViolations.length).to.be.greaterThan(0);
      expect(violations.length).to.equal(aliasViolations.length);
      expect(aliasViolations[0].message).to.equal(
        "ignoreChanges must include functionVersion and routingConfig: CodeDeploy moves the alias during a canary and pulumi up would move it back",
      );
    });

    it("a deployment group that no longer rolls back on alarm", () => {
      const { target, violations } = violationsAfter(
        (resource) => resource.type === TYPES.deploymentGroup,
        (resource) => {
          const rollback = resource.props.autoRollbackConfiguration as { events: string[] };
          rollback.events = rollback.events.filter((event) => event !== "DEPLOYMENT_STOP_ON_ALARM");
        },
      );
      expect(only(violations)).to.deep.equal([
        { rule: "deployment-group-safe-rollout", type: TYPES.deploymentGroup, resource: target.name, message: "autoRollbackConfiguration.events must include DEPLOYMENT_STOP_ON_ALARM" },
      ]);
    });

    it("an e-mail subscription without the filter that drops verify's test notification", () => {
      const { target, violations } = violationsAfter(
        (resource) => resource.type === TYPES.topicSubscription && resource.props.protocol === "email",
        (resource) => {
          delete resource.props.filterPolicy;
        },
      );
      expect(violations.map((violation) => violation.rule)).to.deep.equal(["human-subscription-drops-verify-test"]);
      expect(violations[0].resource).to.equal(target.name);
    });

    it("a topic on the AWS-managed key", () => {
      const { target, violations } = violationsAfter(
        (resource) => resource.type === TYPES.topic,
        (resource) => (resource.props.kmsMasterKeyId = "alias/aws/sns"),
      );
      expect(only(violations)).to.deep.equal([
        {
          rule: "sns-topic-customer-managed-kms",
          type: TYPES.topic,
          resource: target.name,
          message:
            "kmsMasterKeyId must be a customer-managed key, not alias/aws/sns: CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed key",
        },
      ]);
    });

    it("a role policy widened to a service wildcard", () => {
      const { target, violations } = violationsAfter(
        (resource) => resource.type === "aws:iam/rolePolicy:RolePolicy" || (resource.type === TYPES.role && Array.isArray(resource.props.inlinePolicies) && resource.props.inlinePolicies.length > 0),
        (resource) => {
          const field = resource.type === TYPES.role ? (resource.props.inlinePolicies as Array<{ policy: unknown }>)[0] : resource.props;
          const policy = typeof field.policy === "string" ? JSON.parse(field.policy) : field.policy;
          const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
          statements.push({ Sid: "Widened", Effect: "Allow", Action: "dynamodb:*", Resource: "*" });
          policy.Statement = statements;
          field.policy = JSON.stringify(policy);
        },
      );
      const where = target.type === TYPES.role ? "inlinePolicies[0].policy" : "policy";
      expect(only(violations)).to.deep.equal([
        { rule: "iam-no-wildcard-actions", type: target.type, resource: target.name, message: `${where} statement Sid "Widened" allows every dynamodb action ("dynamodb:*")` },
      ]);
    });
  });

  describe("the synth CLI's JSON", () => {
    it("beta's `npm run synth -- --stack beta --json` document passes every rule", function () {
      if (!fs.existsSync(SYNTH_CLI)) {
        console.log("    skipped: waits on cli/synth.ts");
        this.skip();
      }
      this.timeout(120_000);
      const stdout = childProcess.execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", SYNTH_CLI, "--stack", "beta", "--config-file", path.join(FIXTURE_STACKS, "Pulumi.beta.yaml"), "--json"], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      const document = JSON.parse(stdout) as SynthDocument;
      expect(document.stack).to.equal("beta");
      expect(checkResources(asPolicyResources(document))).to.deep.equal([]);
    });
  });
});
