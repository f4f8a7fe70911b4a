/**
 * Development certificates for a TLS cluster (docs/SECURITY.md): one certificate authority and,
 * per node, a key and a certificate signed by it whose subject common name is the node id — the
 * identity a peer link binds to (src/transport/tls.ts) — with the names clients dial as subject
 * alternative names (the node id, `localhost`, `127.0.0.1`, `::1` and any extra hosts). Built
 * with @peculiar/x509 over Node's WebCrypto (ECDSA P-256, SHA-256); no ASN.1 of our own.
 *
 * For development and tests: the CA key is written next to the certificates (so more nodes can be
 * signed later); a production cluster should use its own PKI (cert-manager, Vault, …).
 */
import { webcrypto } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import path from "node:path";
import * as x509 from "@peculiar/x509";

// @peculiar/x509 types WebCrypto by the Web IDL names; @types/node's are a superset of the same
// objects (e.g. newer key usages), so the two meet through these aliases at the library's edge.
type KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"];
type CryptoKey = KeyPair["privateKey"];
const crypto = webcrypto;
x509.cryptoProvider.set(
  crypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>,
);

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;
/** The subject of the development CA. */
export const DEV_CA_NAME = "CN=elk-coordinator development CA";

/** A certificate and its private key, both PEM. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** A CA able to sign more certificates. */
export interface CertificateAuthority extends PemPair {
  readonly certificate: x509.X509Certificate;
  readonly privateKey: CryptoKey;
}

/** Makes a fresh self-signed CA valid for `days` days. */
export async function createCa(days: number, name = DEV_CA_NAME): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name,
    ...validity(days),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certificate,
    privateKey: keys.privateKey,
    cert: certificate.toString("pem"),
    key: await pemOfKey(keys.privateKey),
  };
}

/**
 * Reads a CA written by {@link writeDevCertificates} (its `ca.crt` and `ca.key`).
 * @throws Error when the files cannot be read or parsed
 */
export async function readCa(dir: string): Promise<CertificateAuthority> {
  const cert = await readFile(path.join(dir, "ca.crt"), "utf8");
  const key = await readFile(path.join(dir, "ca.key"), "utf8");
  const certificate = new x509.X509Certificate(cert);
  const imported = await crypto.subtle.importKey(
    "pkcs8",
    x509.PemConverter.decodeFirst(key),
    ALGORITHM,
    true,
    ["sign"],
  );
  const privateKey = imported as unknown as CryptoKey;
  return { certificate, privateKey, cert, key };
}

/**
 * A node certificate signed by `ca`: common name `nodeId`, usable as TLS server and client
 * (peer links are mutual), with `nodeId`, localhost, 127.0.0.1, ::1 and `extraHosts` (DNS names,
 * wildcards such as `*.elk-peers`, or IP addresses) as subject alternative names.
 */
export async function createNodeCertificate(
  ca: CertificateAuthority,
  nodeId: string,
  options: { readonly days: number; readonly extraHosts?: readonly string[] },
): Promise<PemPair> {
  const keys = await generateKeys();
  const hosts = [
    ...new Set([nodeId, "localhost", "127.0.0.1", "::1", ...(options.extraHosts ?? [])]),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${nodeId}`,
    issuer: ca.certificate.subject,
    ...validity(options.days),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((host) => ({
          type: isIP(host) === 0 ? ("dns" as const) : ("ip" as const),
          value: host,
        })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
    ],
  });
  return { cert: certificate.toString("pem"), key: await pemOfKey(keys.privateKey) };
}

/** What {@link writeDevCertificates} wrote. */
export interface WrittenCertificates {
  readonly dir: string;
  /** Whether an existing `ca.crt`/`ca.key` in `dir` signed the node certificates. */
  readonly reusedCa: boolean;
  /** Files written, relative to `dir`. */
  readonly files: readonly string[];
}

/**
 * Writes `ca.crt` (and `ca.key`, mode 0600) and `<node>.crt`/`<node>.key` for every node into
 * `dir`. A CA already in `dir` is reused, so nodes added later join the same cluster.
 */
export async function writeDevCertificates(
  dir: string,
  nodeIds: readonly string[],
  options: { readonly days: number; readonly extraHosts?: readonly string[] },
): Promise<WrittenCertificates> {
  await mkdir(dir, { recursive: true });
  let ca: CertificateAuthority;
  let reusedCa = true;
  try {
    ca = await readCa(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    ca = await createCa(options.days);
    reusedCa = false;
    await writeFile(path.join(dir, "ca.crt"), ca.cert);
    await writeSecret(path.join(dir, "ca.key"), ca.key);
  }
  const files = reusedCa ? [] : ["ca.crt", "ca.key"];
  for (const nodeId of nodeIds) {
    const pair = await createNodeCertificate(ca, nodeId, options);
    await writeFile(path.join(dir, `${nodeId}.crt`), pair.cert);
    await writeSecret(path.join(dir, `${nodeId}.key`), pair.key);
    files.push(`${nodeId}.crt`, `${nodeId}.key`);
  }
  return { dir, reusedCa, files };
}

async function writeSecret(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}

async function pemOfKey(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(
    await crypto.subtle.exportKey("pkcs8", key as unknown as webcrypto.CryptoKey),
    "PRIVATE KEY",
  );
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  // Back-dated a minute so a clock slightly behind the signer's still accepts it.
  const now = Date.now();
  return { notBefore: new Date(now - 60_000), notAfter: new Date(now + days * DAY_MS) };
}

/** A random positive 16-byte serial number, hex (RFC 5280 §4.1.2.2). */
function serialNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

/** A fresh ECDSA P-256 key pair, extractable (its private key is written as PEM). */
async function generateKeys(): Promise<KeyPair> {
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  return keys as unknown as KeyPair;
}
