// The canary hook's pure modules: AppSpec parsing, the self-test event, the verdict on a report.
import { expect } from "chai";
import { parseAppSpec } from "../../functions/canary-hook/appspec";
import { judgeSelfTest, readSelfTestEvent } from "../../functions/canary-hook/self-test";

const lambdaResource = (properties: Record<string, unknown>) => ({ Type: "AWS::Lambda::Function", Properties: properties });
const FULL = { Name: "webhealth-beta-probe", Alias: "live", CurrentVersion: "3", TargetVersion: "4" };

describe("canary hook: parseAppSpec", () => {
  it("reads the function, alias and versions of a JSON AppSpec", () => {
    const content = JSON.stringify({ version: 0.0, Resources: [{ probe: lambdaResource(FULL) }], Hooks: [{ BeforeAllowTraffic: "hook" }] });
    expect(parseAppSpec(content)).to.deep.equal({ name: "webhealth-beta-probe", alias: "live", currentVersion: "3", targetVersion: "4" });
  });

  it("turns numeric versions into strings", () => {
    const content = JSON.stringify({ Resources: [{ probe: lambdaResource({ ...FULL, CurrentVersion: 11, TargetVersion: 12 }) }] });
    expect(parseAppSpec(content)).to.include({ currentVersion: "11", targetVersion: "12" });
  });

  const invalid: Array<[string, unknown, string]> = [
    ["a list", [], "appspec: must be an object"],
    ["no Resources", { version: 0 }, "appspec.Resources: is required"],
    ["empty Resources", { Resources: [] }, "appspec.Resources: must name the Lambda function to deploy"],
    ["no Properties", { Resources: [{ probe: { Type: "AWS::Lambda::Function" } }] }, "appspec.Resources[0].probe.Properties: is required"],
    ["empty Name", { Resources: [{ probe: lambdaResource({ ...FULL, Name: "" }) }] }, "appspec.Resources[0].probe.Properties.Name: must not be empty"],
    ["no Alias", { Resources: [{ probe: lambdaResource({ ...FULL, Alias: undefined }) }] }, "appspec.Resources[0].probe.Properties.Alias: is required"],
    ["version 0", { Resources: [{ probe: lambdaResource({ ...FULL, TargetVersion: "0" }) }] }, "appspec.Resources[0].probe.Properties.TargetVersion: must be a published version number"],
    ["$LATEST current", { Resources: [{ probe: lambdaResource({ ...FULL, CurrentVersion: "$LATEST" }) }] }, "appspec.Resources[0].probe.Properties.CurrentVersion: must be a published version number"],
    ["no function", { Resources: [{}] }, "appspec.Resources: must name exactly one Lambda function, got 0"],
  ];
  for (const [label, document, message] of invalid) {
    it(`rejects ${label}: ${message}`, () => {
      expect(() => parseAppSpec(JSON.stringify(document))).to.throw(message);
    });
  }

  it("rejects content that is neither JSON nor YAML, saying so", () => {
    expect(() => parseAppSpec("Resources: [\n  - {")).to.throw(/^appspec: is not valid JSON or YAML \(/);
  });
});

describe("canary hook: readSelfTestEvent", () => {
  it("returns the parsed event, extra fields kept", () => {
    expect(readSelfTestEvent({ SELF_TEST_EVENT: '{"selfTest":true,"targets":2}' })).to.deep.equal({ selfTest: true, targets: 2 });
  });

  const invalid: Array<[Record<string, string | undefined>, string]> = [
    [{}, "SELF_TEST_EVENT: is required (the JSON event the new version is invoked with)"],
    [{ SELF_TEST_EVENT: "  " }, "SELF_TEST_EVENT: is required (the JSON event the new version is invoked with)"],
    [{ SELF_TEST_EVENT: "{selfTest}" }, "SELF_TEST_EVENT: is not valid JSON"],
    [{ SELF_TEST_EVENT: "[]" }, "SELF_TEST_EVENT: must be a JSON object"],
    [{ SELF_TEST_EVENT: "{}" }, "SELF_TEST_EVENT.selfTest: must be true"],
    [{ SELF_TEST_EVENT: '{"selfTest":"yes"}' }, "SELF_TEST_EVENT.selfTest: must be true"],
  ];
  for (const [env, message] of invalid) {
    it(`${JSON.stringify(env)} -> ${message}`, () => {
      expect(() => readSelfTestEvent(env)).to.throw(message);
    });
  }
});

describe("canary hook: judgeSelfTest", () => {
  const ok = { name: "a", passed: true };
  const bad = { name: "b", passed: false, detail: "timeout after 10000 ms" };
  const cases: Array<[string, Parameters<typeof judgeSelfTest>[0], boolean, string]> = [
    ["a passing report", { statusCode: 200, payload: JSON.stringify({ selfTest: true, passed: true, checks: [ok] }) }, true, "self-test passed 1 check(s)"],
    ["a failing report", { statusCode: 200, payload: JSON.stringify({ selfTest: true, passed: false, checks: [ok, bad] }) }, false, "self-test failed: b (timeout after 10000 ms)"],
    ["passed without checks", { statusCode: 200, payload: JSON.stringify({ selfTest: true, passed: true, checks: [] }) }, false, "self-test ran no checks"],
    ["passed with a failing check", { statusCode: 200, payload: JSON.stringify({ selfTest: true, passed: true, checks: [ok, bad] }) }, false, "self-test says passed but checks failed: b"],
    ["a FunctionError", { statusCode: 200, functionError: "Unhandled", payload: '{"errorMessage":"Task timed out after 10.00 seconds"}' }, false, "the new version failed (Unhandled): Task timed out after 10.00 seconds"],
    ["a FunctionError with a raw payload", { statusCode: 200, functionError: "Handled", payload: "boom" }, false, "the new version failed (Handled): boom"],
    ["status 500", { statusCode: 500, payload: "" }, false, "Invoke returned status 500, expected 200"],
    ["a non-JSON payload", { statusCode: 200, payload: "null-ish" }, false, "the new version returned a payload that is not JSON"],
    ["null (a handler that returned nothing)", { statusCode: 200, payload: "null" }, false, "the new version did not return a SelfTestReport (report: must be an object)"],
    ["no passed field", { statusCode: 200, payload: JSON.stringify({ selfTest: true, checks: [] }) }, false, "the new version did not return a SelfTestReport (report.passed: is required)"],
  ];
  for (const [label, outcome, passed, reason] of cases) {
    it(`${label} -> ${passed ? "pass" : "fail"}: ${reason}`, () => {
      const verdict = judgeSelfTest(outcome);
      expect({ passed: verdict.passed, reason: verdict.reason }).to.deep.equal({ passed, reason });
    });
  }
});
