/**
 * Certificates made at test time with node-forge (keys from Node's crypto, which is much faster
 * than forge's pure-JavaScript RSA): a test CA, leaves it signed for 127.0.0.1/localhost, one for
 * the wrong host, one expired, and a self-signed one nobody trusts. Nothing is committed.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

export interface KeyAndCert {
  key: string;
  cert: string;
}

export interface TestPki {
  /** PEM of the test CA: pass as the engine's `ca`, or write to a file for NODE_EXTRA_CA_CERTS. */
  caCert: string;
  caName: string;
  /** Valid for 127.0.0.1, localhost and site.test, expiring VALID_LEAF_DAYS days (plus half a day) from now. */
  valid: KeyAndCert;
  /** The valid leaf's notAfter as the certificate holds it (whole seconds). */
  validNotAfter: Date;
  /** Signed by the CA for another host name only. */
  wrongHost: KeyAndCert;
  /** Signed by the CA, expired yesterday. */
  expired: KeyAndCert;
  /** Self-signed: no CA vouches for it. */
  untrusted: KeyAndCert;
}

export const VALID_LEAF_DAYS = 30;
const DAY_MS = 86_400_000;

function rsaKeys() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { privatePem: privateKey, privateKey: forge.pki.privateKeyFromPem(privateKey), publicKey: forge.pki.publicKeyFromPem(publicKey) };
}

interface CertSpec {
  subjectCn: string;
  issuer: forge.pki.CertificateField[];
  signer: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  notBefore: Date;
  notAfter: Date;
  isCa?: boolean;
  altNames?: Array<{ type: number; value?: string; ip?: string }>;
}

function makeCert(spec: CertSpec): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = spec.publicKey;
  // A positive serial: the leading byte is kept below 0x80.
  cert.serialNumber = "01" + randomBytes(8).toString("hex");
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject([{ name: "commonName", value: spec.subjectCn }]);
  cert.setIssuer(spec.issuer);
  const extensions: object[] = spec.isCa
    ? [
        { name: "basicConstraints", cA: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true },
      ]
    : [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames: spec.altNames ?? [] },
      ];
  cert.setExtensions(extensions);
  cert.sign(spec.signer, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

let cached: TestPki | undefined;

/** Made once per test process (key generation is the slow part). */
export function testPki(): TestPki {
  if (cached) return cached;
  const now = Date.now();
  const ca = rsaKeys();
  const leaf = rsaKeys();
  const caName = "webhealth test CA";
  const caSubject = [{ name: "commonName", value: caName }];
  const caCert = makeCert({
    subjectCn: caName,
    issuer: caSubject,
    signer: ca.privateKey,
    publicKey: ca.publicKey,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 365 * DAY_MS),
    isCa: true,
  });
  const localNames = [
    { type: 2, value: "localhost" },
    { type: 2, value: "site.test" },
    { type: 7, ip: "127.0.0.1" },
  ];
  const signed = (subjectCn: string, notBefore: Date, notAfter: Date, altNames: CertSpec["altNames"]): KeyAndCert => ({
    key: leaf.privatePem,
    cert: makeCert({ subjectCn, issuer: caSubject, signer: ca.privateKey, publicKey: leaf.publicKey, notBefore, notAfter, altNames }),
  });
  const validNotAfter = new Date(Math.floor((now + VALID_LEAF_DAYS * DAY_MS + DAY_MS / 2) / 1000) * 1000);
  cached = {
    caCert,
    validNotAfter,
    caName,
    valid: signed("localhost", new Date(now - DAY_MS), validNotAfter, localNames),
    wrongHost: signed("elsewhere.test", new Date(now - DAY_MS), new Date(now + 90 * DAY_MS), [{ type: 2, value: "elsewhere.test" }]),
    expired: signed("localhost", new Date(now - 60 * DAY_MS), new Date(now - DAY_MS), localNames),
    untrusted: {
      key: leaf.privatePem,
      cert: makeCert({
        subjectCn: "localhost",
        issuer: [{ name: "commonName", value: "localhost" }],
        signer: leaf.privateKey,
        publicKey: leaf.publicKey,
        notBefore: new Date(now - DAY_MS),
        notAfter: new Date(now + 90 * DAY_MS),
        altNames: localNames,
      }),
    },
  };
  return cached;
}
