// One URL, one spelling: the target schema normalises every URL to its WHATWG serialisation, so
// the Url dimension, alarm keys and duplicate checks see one form, always a valid dimension value.
import { expect } from "chai";
import { dimensionTextProblem } from "../../functions/common/cloudwatch-values";
import { parseTargets } from "../../functions/common/targets";
import { targetKey } from "../../infra/plan/names";

const normalised = (url: string) => parseTargets([{ url }])[0].url;

describe("target URLs are normalised once, in the schema", () => {
  const cases: Array<[string, string, string]> = [
    ["scheme and host in upper case", "HTTPS://Example.COM/Path", "https://example.com/Path"],
    ["an empty path", "https://example.com", "https://example.com/"],
    ["the default port", "http://example.com:80/a", "http://example.com/a"],
    ["the default https port", "https://example.com:443/", "https://example.com/"],
    ["another port, kept", "https://example.com:8443/", "https://example.com:8443/"],
    ["an internationalised host, as punycode", "https://bücher.example/", "https://xn--bcher-kva.example/"],
    ["a non-ASCII path and query, percent-encoded", "https://example.com/straße?q=ü", "https://example.com/stra%C3%9Fe?q=%C3%BC"],
    ["dot segments", "https://example.com/a/./b/../c", "https://example.com/a/c"],
    ["spaces in the path", "https://example.com/a b", "https://example.com/a%20b"],
    ["an already normalised URL, unchanged", "https://www.wikipedia.org/", "https://www.wikipedia.org/"],
  ];
  for (const [title, input, expected] of cases) {
    it(`${title}: ${input} -> ${expected}`, () => {
      expect(normalised(input)).to.equal(expected);
      // Idempotent: the probe's event is parsed again by the same schema.
      expect(normalised(expected)).to.equal(expected);
      expect(dimensionTextProblem(expected)).to.equal(undefined);
    });
  }

  it("refuses two spellings of one URL as duplicates, and checks the scheme whatever its case", () => {
    expect(() => parseTargets([{ url: "https://bücher.example/" }, { url: "HTTPS://XN--BCHER-KVA.EXAMPLE" }])).to.throw("targets[1].url: duplicates targets[0].url");
    expect(() => parseTargets([{ url: "FTP://example.com/" }])).to.throw("targets[0].url: must be http or https");
  });

  it("keys alarms by the normalised URL, so spellings share alarm names", () => {
    expect(targetKey(parseTargets([{ url: "HTTPS://Example.com" }])[0])).to.equal(targetKey({ url: "https://example.com/" }));
  });
});
