/**
 * TLS for a node (docs/SECURITY.md): the PEM material read from `--tls-cert`, `--tls-key` and
 * `--tls-ca`, and the rule that binds a peer link to a node id — a peer's certificate must be
 * signed by the cluster CA AND its subject common name must be the node id it claims. Both ends
 * check it: the accepting node on the client certificate of the upgrade request, the dialing node
 * on the server certificate of the node it meant to reach (instead of a host name check: peers
 * are addressed by whatever `--peers` says, the id is what matters).
 */
import { readFile } from "node:fs/promises";
import { TLSSocket, createSecureContext, type PeerCertificate } from "node:tls";

/** Where the PEM files are. */
export interface TlsFiles {
  /** This node's certificate (chain), PEM. */
  readonly certFile: string;
  /** Its private key, PEM. */
  readonly keyFile: string;
  /** The cluster CA bundle that signs every node's certificate, PEM. */
  readonly caFile: string;
}

/** The PEM contents of {@link TlsFiles}, as Node's TLS options take them. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** The files could not be read, or do not form a usable certificate, key and CA. */
export class TlsMaterialError extends Error {
  override readonly name = "TlsMaterialError";
}

/**
 * Reads the three files and checks that Node accepts them together (the key matches the
 * certificate, the PEM parses).
 * @throws TlsMaterialError naming the file or the mismatch
 */
export async function readTlsMaterial(files: TlsFiles): Promise<TlsMaterial> {
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file, "utf8");
    } catch (error) {
      throw new TlsMaterialError(`cannot read the TLS ${what} ${file}: ${messageOf(error)}`);
    }
  };
  const material = {
    cert: await read(files.certFile, "certificate"),
    key: await read(files.keyFile, "key"),
    ca: await read(files.caFile, "CA"),
  };
  try {
    createSecureContext(material);
  } catch (error) {
    throw new TlsMaterialError(
      `the TLS certificate ${files.certFile}, key ${files.keyFile} and CA ${files.caFile} ` +
        `do not fit together: ${messageOf(error)}`,
    );
  }
  return material;
}

/** The node id a certificate names (its subject common name), or null when it names none. */
export function nodeIdOfCertificate(certificate: PeerCertificate | undefined): string | null {
  const commonName: unknown = certificate?.subject?.CN;
  return typeof commonName === "string" && commonName !== "" ? commonName : null;
}

/** Why a peer's certificate is refused, and the HTTP status to answer. */
export type CertificateVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly httpStatus: 401 | 403; readonly reason: string };

/**
 * Checks the client certificate of an accepted peer connection: present, verified against the
 * cluster CA (the server asked for it with `requestCert`), and naming `claimedId`.
 */
export function verifyPeerCertificate(socket: unknown, claimedId: string): CertificateVerdict {
  if (!(socket instanceof TLSSocket)) {
    return { ok: false, httpStatus: 401, reason: "peer links need TLS on this node" };
  }
  if (!socket.authorized) {
    const why = socket.authorizationError ?? "no client certificate";
    return {
      ok: false,
      httpStatus: 401,
      reason: `the certificate of ${claimedId} is not trusted (${String(why)})`,
    };
  }
  const named = nodeIdOfCertificate(socket.getPeerCertificate());
  if (named !== claimedId) {
    return {
      ok: false,
      httpStatus: 403,
      reason: `the certificate names ${named ?? "no node"}, the handshake claims ${claimedId}`,
    };
  }
  return { ok: true };
}

/**
 * A `checkServerIdentity` for dialing node `expectedId`: the chain is already verified against
 * the cluster CA by then; this accepts the certificate only when it names `expectedId`.
 */
export function peerServerIdentity(
  expectedId: string,
): (host: string, certificate: PeerCertificate) => Error | undefined {
  return (_host, certificate) => {
    const named = nodeIdOfCertificate(certificate);
    if (named === expectedId) return undefined;
    return new Error(`the peer's certificate names ${named ?? "no node"}, expected ${expectedId}`);
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
