import { expect } from "chai";
import type { Target } from "../../functions/common/targets";
import { parseProbeEvent } from "../../functions/probe/event";
import { EVENTBRIDGE_INPUT_LIMIT, planShards, probeInputTemplate, PROBE_START_MARGIN_MS, shardProblems, shardWorstCaseMs, targetWorstCaseMs } from "../../infra/plan/shards";
import { renderInputTemplate } from "./support/eventbridge";

const targets = (count: number, extra: Partial<Target> = {}): Target[] =>
  Array.from({ length: count }, (_, index) => ({ url: `https://host-${index}.example.com/`, ...extra }));

describe("infra shards: EventBridge input size and the schedule period", () => {
  it("bounds a target by its timeout, attempts and the 500 ms pause before each retry", () => {
    expect([targetWorstCaseMs({ url: "https://a.example.com/" }), targetWorstCaseMs({ url: "https://a.example.com/", timeoutMs: 5000, retries: 2 })]).to.deep.equal([10_000, 16_000]);
  });

  it("bounds a shard by ceil(n / concurrency) waves of its slowest target plus the start margin", () => {
    const shard = [...targets(40), { url: "https://slow.example.com/", timeoutMs: 12_000 }];
    expect(shardWorstCaseMs(shard, 32)).to.equal(2 * 12_000 + PROBE_START_MARGIN_MS);
  });

  it("starts a new shard when the next wave would overrun the Lambda timeout", () => {
    // 10 s per target, concurrency 2, 60 s timeout: 5 waves (50 s + 5 s) = 10 targets per shard.
    const shards = planShards(targets(25), { concurrency: 2, timeoutMs: 60_000 });
    expect(shards.map((shard) => shard.targets.length)).to.deep.equal([10, 10, 5]);
    expect(shards.map((shard) => shard.worstCaseMs)).to.deep.equal([55_000, 55_000, 35_000]);
  });

  it("starts a new shard before the input template passes 8,192 characters, and numbers the shards", () => {
    const long = targets(200).map((target, index) => ({ ...target, url: `https://host-${index}.example.com/${"p".repeat(100)}` }));
    const shards = planShards(long, { concurrency: 256, timeoutMs: 900_000 });
    expect(shards.length).to.be.greaterThan(1);
    for (const shard of shards) {
      expect(shard.inputTemplate.length).to.be.at.most(EVENTBRIDGE_INPUT_LIMIT);
      const event = JSON.parse(renderInputTemplate(shard.inputTemplate, { time: "2026-12-01T10:00:00Z" }));
      expect(event).to.deep.equal({ time: "2026-12-01T10:00:00Z", targets: shard.targets, shard: { index: shard.index, count: shards.length } });
    }
    // Greedy: each shard is full, i.e. adding the next shard's first target would pass the limit.
    for (let index = 0; index + 1 < shards.length; index += 1) {
      const grown = probeInputTemplate(JSON.stringify({ targets: [...shards[index].targets, shards[index + 1].targets[0]], shard: { index: 99, count: 99 } }));
      expect(grown.length).to.be.greaterThan(EVENTBRIDGE_INPUT_LIMIT - 12);
    }
    expect(shards.flatMap((shard) => shard.targets)).to.deep.equal(long);
  });

  it("keeps the template's only angle brackets the time placeholder: the probe reads targets with < and > unchanged", () => {
    const tricky: Target[] = [{ url: "https://a.example.com/", expect: { bodyContains: "<title>Shop</title>", headers: { "x-a": "<b>" } } }];
    const [shard] = planShards(tricky, { concurrency: 32, timeoutMs: 60_000 });
    expect(shard.inputTemplate.replace("<time>", "").match(/[<>]/g)).to.equal(null);
    const event = parseProbeEvent(JSON.parse(renderInputTemplate(shard.inputTemplate, { time: "2026-12-01T10:00:00Z" })));
    expect(event).to.deep.equal({ time: "2026-12-01T10:00:00Z", targets: tricky, shard: { index: 0, count: 1 } });
  });

  it("names the targets that no shard can hold", () => {
    const problems = shardProblems(
      [{ url: "https://ok.example.com/" }, { url: "https://slow.example.com/", timeoutMs: 60_000 }, { url: "https://big.example.com/", expect: { bodyContains: "x".repeat(9000) } }],
      { concurrency: 32, timeoutMs: 60_000 },
      "webhealth:targets",
    );
    expect(problems).to.deep.equal([
      "webhealth:targets[1]: can take 65 s (timeoutMs 60000 x 1 attempts + retry pauses + 5 s start) but a probe run has 60 s: lower timeoutMs or retries, or use a longer schedule",
      "webhealth:targets[2]: is 9121 characters as a probe event, over EventBridge's 8192-character input template limit",
    ]);
  });
});
