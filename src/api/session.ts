/**
 * Exactly-once writes over HTTP (docs/API.md; Raft thesis §6.3 client sessions): the
 * `Idempotency-Key` header, or the `X-Elk-Client-Id`/`X-Elk-Client-Seq` pair, become the
 * (clientId, seq) of the proposal, which the state machine de-duplicates.
 *
 * The state machine's session ids are `[A-Za-z0-9._-]{1,64}`. A client id header of that shape
 * is used as it is; any other (e.g. `worker-7/heartbeat`) is hashed to `h.<base64url sha256>`.
 * An idempotency key is hashed together with the method and path into `k.<base64url sha256>`
 * with seq 1, so a key reused on another endpoint is a different session, never a wrong answer.
 */
import { createHash } from "node:crypto";
import { clientIdHeaderCharsMax, idempotencyKeyCharsMax } from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { ProposeOptions } from "../node/service.js";
import { CLIENT_ID_HEADER, CLIENT_SEQ_HEADER, IDEMPOTENCY_KEY_HEADER } from "../protocol/index.js";
import { ID_PATTERN } from "../state-machine/index.js";

/** Visible ASCII, no spaces: what a key or client id header may hold. */
const HEADER_TOKEN = /^[\x21-\x7e]+$/;
const SEQ_TEXT = /^(0|[1-9][0-9]{0,15})$/;

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The session options of a write request, from its headers.
 * @param method the HTTP method, and `path` the URL path without its query (the key's scope)
 * @throws CoordinatorError invalid_request when the headers are malformed, half present,
 *   repeated, or both kinds are given
 */
export function sessionOf(headers: Headers, method: string, path: string): ProposeOptions {
  const key = single(headers, IDEMPOTENCY_KEY_HEADER);
  const clientId = single(headers, CLIENT_ID_HEADER);
  const seq = single(headers, CLIENT_SEQ_HEADER);
  if (key !== undefined) {
    if (clientId !== undefined || seq !== undefined) {
      throw invalid("Idempotency-Key and X-Elk-Client-Id/Seq are mutually exclusive");
    }
    checkToken(key, idempotencyKeyCharsMax, "Idempotency-Key");
    return { clientId: `k.${digest(`${method} ${path}\n${key}`)}`, seq: 1 };
  }
  if (clientId === undefined && seq === undefined) return {};
  if (clientId === undefined || seq === undefined) {
    throw invalid("X-Elk-Client-Id and X-Elk-Client-Seq come together");
  }
  checkToken(clientId, clientIdHeaderCharsMax, "X-Elk-Client-Id");
  const seqNumber = Number(seq);
  if (!SEQ_TEXT.test(seq) || !Number.isSafeInteger(seqNumber)) {
    throw invalid("X-Elk-Client-Seq must be a non-negative safe integer");
  }
  return { clientId: sessionIdOf(clientId), seq: seqNumber };
}

/** The state machine's session id for a client id header. */
export function sessionIdOf(clientId: string): string {
  return ID_PATTERN.test(clientId) ? clientId : `h.${digest(clientId)}`;
}

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined || typeof value === "string") return value;
  throw invalid(`the ${name} header must be sent once`);
}

function checkToken(value: string, charsMax: number, name: string): void {
  if (value.length > charsMax || !HEADER_TOKEN.test(value)) {
    throw invalid(`${name} must be 1..${charsMax} visible ASCII characters`);
  }
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

function invalid(detail: string): CoordinatorError {
  return new CoordinatorError("invalid_request", detail);
}
