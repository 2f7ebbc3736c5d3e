/**
 * A certificate authority and a server certificate made up for one test run (RSA 2048, valid
 * for a day), so that tests can serve https under host names of their own and have Deno trust
 * them (DENO_CERT names the authority's file). Nothing here is a real credential.
 */
import { randomBytes } from "node:crypto";
import forge from "node-forge";

const { pki } = forge;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface TestCertificates {
  /** The authority's certificate (PEM): what a client trusts. */
  authority: string;
  /** The server's certificate (PEM), for the names given, signed by the authority. */
  certificate: string;
  /** The server's private key (PEM). */
  key: string;
}

function generateKeys(): Promise<forge.pki.rsa.KeyPair> {
  return new Promise((resolve, reject) =>
    pki.rsa.generateKeyPair({ bits: 2048, workers: -1 }, (error, keys) => (error ? reject(error) : resolve(keys))));
}

function certificate(subject: string, publicKey: forge.pki.PublicKey, extensions: object[]): forge.pki.Certificate {
  const cert = pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = "01" + randomBytes(8).toString("hex"); // positive
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + DAY_MS);
  cert.setSubject([{ name: "commonName", value: subject }]);
  cert.setExtensions(extensions);
  return cert;
}

/** A fresh authority and a server certificate for the DNS names given (the first is its subject). */
export async function makeTestCertificates(names: string[]): Promise<TestCertificates> {
  const [authorityKeys, serverKeys] = await Promise.all([generateKeys(), generateKeys()]);
  const authority = certificate("sfp test authority", authorityKeys.publicKey, [
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
  ]);
  authority.setIssuer(authority.subject.attributes);
  authority.sign(authorityKeys.privateKey, forge.md.sha256.create());

  const server = certificate(names[0], serverKeys.publicKey, [
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: names.map((value) => ({ type: 2, value })) },
  ]);
  server.setIssuer(authority.subject.attributes);
  server.sign(authorityKeys.privateKey, forge.md.sha256.create());
  return {
    authority: pki.certificateToPem(authority),
    certificate: pki.certificateToPem(server),
    key: pki.privateKeyToPem(serverKeys.privateKey),
  };
}
