/**
 * The probe's SSM client against an endpoint that accepts connections and never answers: the
 * secrets read gives up at its request timeout, and each secret is reported unreadable, so a hung
 * Parameter Store fails only the targets that need a secret instead of holding the whole run until
 * Lambda ends it. A real TCP server on 127.0.0.1 plays the silent endpoint.
 */
import { expect } from "chai";
import { createSecretsClient, createSecretsProvider, readSecrets } from "../../functions/probe/secrets";
import { startSilentServer, type SilentServer } from "../support/silent-server";

describe("probe secrets: an SSM endpoint that never answers", function () {
  // Far above the expected ~1.5 s; without the client's throwOnRequestTimeout the read never ends.
  this.timeout(15_000);
  let silent: SilentServer;
  before(async () => {
    silent = await startSilentServer();
  });
  after(() => silent.close());

  it("gives up at the request timeout and reports every secret as unreadable with a TimeoutError", async () => {
    // Prepare: the client as the probe builds it, with a short timeout and the silent endpoint.
    const client = createSecretsClient("us-east-1", { endpoint: silent.endpoint, requestTimeoutMs: 300 });
    const provider = createSecretsProvider(client);

    // Act
    const values = await readSecrets(provider, "/webhealth/beta/secrets/", ["api-token", "other-key"]);
    client.destroy();

    // Assess: each name has its reason; the batch and then each name were tried (2 attempts each).
    expect([...values.keys()]).to.have.members(["api-token", "other-key"]);
    for (const [name, value] of values) {
      expect(value, name).to.be.instanceOf(Error);
      expect((value as Error).message, name).to.match(/^TimeoutError: /);
    }
    expect(silent.sockets.length).to.equal(6);
  });
});
