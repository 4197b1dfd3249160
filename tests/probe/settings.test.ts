import { expect } from "chai";
import { ValidationError } from "../../functions/common/targets";
import { readProbeSettings, type ProbeSettings } from "../../functions/probe/settings";

describe("probe settings (environment variables set by the program)", () => {
  const valid: Array<[NodeJS.ProcessEnv, ProbeSettings]> = [
    [{}, { namespace: "WebHealth", metricsRegion: undefined, probeRegion: undefined, regionDimension: undefined, phaseMetrics: false, concurrency: 32 }],
    [{ AWS_REGION: "eu-west-1" }, { namespace: "WebHealth", metricsRegion: "eu-west-1", probeRegion: "eu-west-1", regionDimension: undefined, phaseMetrics: false, concurrency: 32 }],
    [
      { AWS_REGION: "eu-west-1", METRICS_REGION: "us-east-1", METRICS_REGION_DIMENSION: "eu-west-1", METRICS_NAMESPACE: "Acme/Web", PHASE_METRICS: "false", PROBE_CONCURRENCY: "8" },
      { namespace: "Acme/Web", metricsRegion: "us-east-1", probeRegion: "eu-west-1", regionDimension: "eu-west-1", phaseMetrics: false, concurrency: 8 },
    ],
    [{ METRICS_NAMESPACE: "", PHASE_METRICS: "true" }, { namespace: "WebHealth", metricsRegion: undefined, probeRegion: undefined, regionDimension: undefined, phaseMetrics: true, concurrency: 32 }],
  ];
  for (const [env, expected] of valid) {
    it(`reads ${JSON.stringify(env)}`, () => {
      expect(readProbeSettings(env)).to.deep.equal(expected);
    });
  }

  const invalid: Array<[NodeJS.ProcessEnv, string]> = [
    [{ METRICS_NAMESPACE: "AWS/Lambda" }, "METRICS_NAMESPACE: must not start with AWS/ (reserved for AWS services)"],
    [{ METRICS_REGION: "Ohio" }, "METRICS_REGION: must be an AWS region such as us-east-1"],
    [{ PHASE_METRICS: "1" }, 'PHASE_METRICS: must be "true" or "false"'],
    [{ PROBE_CONCURRENCY: "0" }, "PROBE_CONCURRENCY: must be a whole number from 1 to 256"],
    [{ PROBE_CONCURRENCY: "257" }, "PROBE_CONCURRENCY: must be a whole number from 1 to 256"],
  ];
  for (const [env, message] of invalid) {
    it(`rejects ${JSON.stringify(env)}`, () => {
      let error: unknown;
      try {
        readProbeSettings(env);
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(ValidationError);
      expect((error as ValidationError).problems).to.deep.equal([message]);
    });
  }
});
