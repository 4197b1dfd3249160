import { expect } from "chai";
import { ProbeFailure, toProbeError } from "../../functions/probe/errors";

const nodeError = (code: string | undefined, message: string) => Object.assign(new Error(message), code === undefined ? {} : { code });

describe("error vocabulary: what Node throws -> a stable code", () => {
  const cases: Array<[string | undefined, string, string, string]> = [
    ["ENOTFOUND", "getaddrinfo ENOTFOUND shop.example", "DNS", "getaddrinfo ENOTFOUND shop.example"],
    ["EAI_AGAIN", "getaddrinfo EAI_AGAIN shop.example", "DNS", "getaddrinfo EAI_AGAIN shop.example"],
    ["ECONNREFUSED", "connect ECONNREFUSED 10.0.0.1:443", "REFUSED", "connect ECONNREFUSED 10.0.0.1:443"],
    ["EHOSTUNREACH", "connect EHOSTUNREACH 10.0.0.1:443", "REFUSED", "connect EHOSTUNREACH 10.0.0.1:443"],
    ["ECONNRESET", "socket hang up", "RESET", "socket hang up (ECONNRESET)"],
    ["EPIPE", "write EPIPE", "RESET", "write EPIPE"],
    ["ETIMEDOUT", "connect ETIMEDOUT 10.0.0.1:443", "TIMEOUT", "connect ETIMEDOUT 10.0.0.1:443"],
    ["CERT_HAS_EXPIRED", "certificate has expired", "TLS", "certificate has expired (CERT_HAS_EXPIRED)"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match certificate's altnames", "TLS", "Hostname/IP does not match certificate's altnames (ERR_TLS_CERT_ALTNAME_INVALID)"],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "wrong version number", "TLS", "wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)"],
    [
      "EPROTO",
      "write EPROTO 807C69321D7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n",
      "TLS",
      "TLS handshake failed: wrong version number (EPROTO)",
    ],
    ["HPE_INVALID_CONSTANT", "Parse Error: Expected HTTP/", "PROTOCOL", "Parse Error: Expected HTTP/ (HPE_INVALID_CONSTANT)"],
    ["ESOMETHINGNEW", "a failure nobody has seen", "PROTOCOL", "a failure nobody has seen (ESOMETHINGNEW)"],
    [undefined, "no code at all", "PROTOCOL", "no code at all"],
  ];
  for (const [code, message, expectedCode, expectedMessage] of cases) {
    it(`${code ?? "(no code)"} -> ${expectedCode}`, () => {
      expect(toProbeError(nodeError(code, message))).to.deep.equal({ code: expectedCode, message: expectedMessage });
    });
  }

  it("passes the engine's own failures through unchanged", () => {
    expect(toProbeError(new ProbeFailure("REDIRECTS", "more than 5 redirects"))).to.deep.equal({ code: "REDIRECTS", message: "more than 5 redirects" });
  });
});
