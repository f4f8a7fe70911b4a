/**
 * The reloadable security material of a coordinator process (docs/SECURITY.md): the TLS
 * certificate, key and CA of `--tls-*`, and the scoped tokens of `--api-tokens-file`. Both are
 * read before the server starts (a bad file stops the start) and again by {@link reload}
 * (SIGHUP): new TLS material goes to the HTTPS server's secure context and to the peer dials and
 * forwards that follow; new tokens replace the old between two requests. A reload that fails
 * keeps everything as it was and says why.
 */
import type https from "node:https";
import type { Logger } from "pino";
import { TokenRegistry, TokensFileError, parseTokensFile } from "../api/auth.js";
import { readTlsMaterial, type TlsMaterial } from "../transport/tls.js";
import { readFile } from "node:fs/promises";
import type { ServerConfig } from "./config.js";

/** TLS material or tokens that cannot be used. */
export class SecurityConfigError extends Error {
  override readonly name = "SecurityConfigError";
}

/** What {@link loadSecurity} gives the server. */
export interface Security {
  /** The current TLS material, or undefined without TLS. */
  readonly tls: (() => TlsMaterial) | undefined;
  /** The scoped tokens, or undefined without `--api-tokens-file`. */
  readonly tokens: TokenRegistry | undefined;
  /** The HTTPS server options (client certificates asked for, checked by the transport). */
  readonly serverOptions: (() => https.ServerOptions) | undefined;
  /**
   * Re-reads the files; on success `onTls` gets the new material (to pass to the server).
   * @throws SecurityConfigError when a file is unreadable or invalid (nothing was changed)
   */
  reload(onTls: (options: https.ServerOptions) => void): Promise<void>;
}

/**
 * Reads the TLS files and the tokens file of `config`.
 * @throws SecurityConfigError when one is unreadable or invalid
 */
export async function loadSecurity(config: ServerConfig, logger: Logger): Promise<Security> {
  let material = await readTls(config);
  const tokensFile = config.apiTokensFile;
  const tokens =
    tokensFile === undefined ? undefined : new TokenRegistry(await readTokens(tokensFile));
  const serverOptions = (): https.ServerOptions => ({
    ...material,
    // Peers must present a certificate; API clients need not. The transport refuses a peer
    // upgrade whose certificate did not verify (src/transport/tls.ts).
    requestCert: true,
    rejectUnauthorized: false,
  });
  return {
    tls: material === undefined ? undefined : () => material as TlsMaterial,
    tokens,
    serverOptions: material === undefined ? undefined : serverOptions,
    async reload(onTls) {
      const nextMaterial = await readTls(config);
      const nextTokens = tokensFile === undefined ? undefined : await readTokens(tokensFile);
      if (nextMaterial !== undefined) {
        material = nextMaterial;
        onTls(serverOptions());
      }
      if (nextTokens !== undefined) tokens?.replace(nextTokens);
      logger.info(
        { tls: nextMaterial !== undefined, tokens: nextTokens?.length ?? null },
        "reloaded TLS material and API tokens",
      );
    },
  };
}

async function readTls(config: ServerConfig): Promise<TlsMaterial | undefined> {
  if (config.tls === undefined) return undefined;
  try {
    return await readTlsMaterial(config.tls);
  } catch (error) {
    throw new SecurityConfigError(messageOf(error), { cause: error });
  }
}

async function readTokens(file: string) {
  try {
    return parseTokensFile(await readFile(file, "utf8"), file);
  } catch (error) {
    const why = error instanceof TokensFileError ? error.message : `${file}: ${messageOf(error)}`;
    throw new SecurityConfigError(`cannot use the API tokens file: ${why}`, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
