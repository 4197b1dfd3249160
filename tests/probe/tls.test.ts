import { expect } from "chai";
import { probeTarget } from "../../functions/probe/probe";
import { testPki, VALID_LEAF_DAYS, type TestPki } from "./support/certs";
import { startHttpServer, startHttpsServer, testLookup, type TestServer } from "./support/servers";

describe("probe engine over HTTPS (certificates made by the tests)", function () {
  let pki: TestPki;
  const servers: Record<"valid" | "wrongHost" | "expired" | "untrusted", TestServer> = {} as never;

  before(async () => {
    pki = testPki();
    for (const name of ["valid", "wrongHost", "expired", "untrusted"] as const) servers[name] = await startHttpsServer(pki[name]);
  });
  after(async () => {
    for (const server of Object.values(servers)) await server.close();
  });

  it("measures every phase and reports the leaf certificate of a trusted server", async () => {
    const result = await probeTarget({ url: servers.valid.url("/ok") }, { ca: pki.caCert });

    expect(result).to.include({ ok: true, status: 200, error: null });
    expect(result.tls).to.deep.equal({ daysRemaining: VALID_LEAF_DAYS, validTo: pki.validNotAfter.toISOString(), issuer: `CN=${pki.caName}` });
    const { timings } = result;
    for (const phase of ["connectMs", "tlsMs", "ttfbMs", "transferMs", "totalMs"] as const) expect(timings[phase], phase).to.be.a("number").and.at.least(0);
    expect(timings.dnsMs).to.equal(null);
  });

  it("pays a full TLS handshake on every probe: no session is resumed", async () => {
    servers.valid.resetStats();

    const results = [];
    for (let i = 0; i < 3; i += 1) results.push(await probeTarget({ url: servers.valid.url(`/ok?sample=${i}`) }, { ca: pki.caCert }));

    expect(results.map((result) => result.ok)).to.deep.equal([true, true, true]);
    for (const result of results) expect(result.timings.tlsMs).to.be.a("number").and.above(0);
    expect(servers.valid.stats.connections).to.equal(3);
    expect(servers.valid.stats.resumedTlsSessions).to.equal(0);
  });

  it("checks the certificate against the host name it resolved", async () => {
    const url = servers.valid.url("/ok").replace("127.0.0.1", "site.test");

    const result = await probeTarget({ url }, { ca: pki.caCert, lookup: testLookup });

    expect(result.ok).to.equal(true);
    expect(result.timings.dnsMs).to.be.a("number");
    expect(result.tls?.daysRemaining).to.equal(VALID_LEAF_DAYS);
  });

  const failures: Array<{ title: string; server: keyof typeof servers; trustTestCa: boolean; message: RegExp }> = [
    { title: "a certificate for another host", server: "wrongHost", trustTestCa: true, message: /ERR_TLS_CERT_ALTNAME_INVALID/ },
    { title: "an expired certificate", server: "expired", trustTestCa: true, message: /expired.*CERT_HAS_EXPIRED/ },
    { title: "a self-signed certificate", server: "untrusted", trustTestCa: true, message: /DEPTH_ZERO_SELF_SIGNED_CERT/ },
    { title: "a certificate from a CA the system does not trust", server: "valid", trustTestCa: false, message: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/ },
  ];
  for (const { title, server, trustTestCa, message } of failures) {
    it(`fails ${title} with TLS, as a result and not a crash`, async () => {
      const result = await probeTarget({ url: servers[server].url("/ok") }, trustTestCa ? { ca: pki.caCert } : {});

      expect(result).to.include({ ok: false, status: null, tls: null });
      expect(result.error?.code).to.equal("TLS");
      expect(result.error?.message).to.match(message);
      expect(result.timings.connectMs).to.be.a("number");
      expect(result.timings.ttfbMs).to.equal(null);
    });
  }

  it("reports the certificate of the final hop only: none after a redirect to plain HTTP", async () => {
    const plain = await startHttpServer();
    try {
      const location = encodeURIComponent(plain.url("/ok"));

      const result = await probeTarget({ url: servers.valid.url(`/redirect-to?location=${location}`) }, { ca: pki.caCert });

      expect(result).to.include({ ok: true, redirects: 1, tls: null });
      expect(result.timings.tlsMs).to.equal(null);
    } finally {
      await plain.close();
    }
  });
});
