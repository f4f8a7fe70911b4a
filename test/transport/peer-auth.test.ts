// Proves the peer handshake accepts exactly a fresh, correctly signed, correctly addressed
// handshake from a well-formed node id, once, and refuses every other one with a reason. Which
// side dials is the transport's rule (test/transport/transport.test.ts), not this check's.
import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import {
  PEER_AUTH_HEADERS,
  PeerAuthenticator,
  handshakeHeaders,
  newNonce,
  type PeerHandshake,
} from "../../src/transport/peer-auth.js";
import { asNodeId } from "../../src/util/ids.js";

const SECRET = "correct horse battery staple";
const NOW = 1_700_000_000_000;
const n = asNodeId;

function authenticator(secret: string | null = SECRET, noncesMax = 100) {
  return new PeerAuthenticator({
    selfId: n("n2"),
    secret,
    clockSkewMsMax: 30_000,
    noncesMax,
  });
}

function handshake(over: Partial<PeerHandshake> = {}): PeerHandshake {
  return { from: n("n1"), to: n("n2"), timestampMs: NOW, nonce: newNonce(), ...over };
}

const headers = (h: PeerHandshake, secret: string | null = SECRET): IncomingHttpHeaders =>
  handshakeHeaders(h, secret);

describe("peer handshake", () => {
  it("accepts a fresh signed handshake from a smaller or a larger id", () => {
    expect(authenticator().verify(headers(handshake()), NOW + 1_000)).toEqual({
      ok: true,
      from: "n1",
    });
    // The larger id dials as a fallback (the smaller one may not know it yet).
    const fromLarger = headers(handshake({ from: n("n3") }));
    expect(authenticator().verify(fromLarger, NOW)).toEqual({ ok: true, from: "n3" });
  });

  it("accepts a node it was never told about: a valid proof makes it a cluster member", () => {
    expect(authenticator().verify(headers(handshake({ from: n("n9") })), NOW)).toEqual({
      ok: true,
      from: "n9",
    });
  });

  const refusals: [string, IncomingHttpHeaders, number, RegExp][] = [
    ["no headers", {}, 401, /missing/],
    ["a handshake for another node", headers(handshake({ to: n("n3") })), 401, /for node n3/],
    ["a malformed sender id", headers(handshake({ from: n("n 0") })), 401, /malformed peer/],
    [
      "an unknown sender with a wrong proof",
      headers(handshake({ from: n("n9") }), "another secret, 16+ bytes"),
      401,
      /proof/,
    ],
    ["a stale timestamp", headers(handshake({ timestampMs: NOW - 31_000 })), 401, /stale/],
    [
      "a timestamp from the future",
      headers(handshake({ timestampMs: NOW + 31_000 })),
      401,
      /stale/,
    ],
    ["a malformed nonce", headers(handshake({ nonce: "abc" })), 401, /nonce/],
    [
      "a proof made with another secret",
      headers(handshake(), "another secret, 16+ bytes"),
      401,
      /proof/,
    ],
    ["no proof", headers(handshake(), null), 401, /proof/],
  ];
  for (const [name, request, httpStatus, reason] of refusals) {
    it(`refuses ${name}`, () => {
      const verdict = authenticator().verify(request, NOW);
      expect(verdict).toMatchObject({ ok: false, httpStatus });
      expect(verdict.ok ? "" : verdict.reason).toMatch(reason);
    });
  }

  it("refuses a proof whose signed fields were altered", () => {
    const signed = headers(handshake());
    const altered = { ...signed, [PEER_AUTH_HEADERS.timestamp]: String(NOW + 5) };
    expect(authenticator().verify(altered, NOW)).toMatchObject({ ok: false, httpStatus: 401 });
  });

  it("refuses a replayed handshake", () => {
    const auth = authenticator();
    const request = headers(handshake());
    expect(auth.verify(request, NOW).ok).toBe(true);
    const replay = auth.verify(request, NOW + 10);
    expect(replay).toMatchObject({ ok: false, httpStatus: 401 });
    expect(replay.ok ? "" : replay.reason).toMatch(/replayed/);
  });

  it("bounds the remembered nonces, forgetting those past the replay window", () => {
    const auth = authenticator(SECRET, 2);
    expect(auth.verify(headers(handshake()), NOW).ok).toBe(true);
    expect(auth.verify(headers(handshake()), NOW).ok).toBe(true);
    expect(auth.verify(headers(handshake()), NOW)).toMatchObject({ ok: false, httpStatus: 429 });
    const later = NOW + 31_000;
    expect(auth.verify(headers(handshake({ timestampMs: later })), later).ok).toBe(true);
  });

  it("without a secret identifies peers but proves nothing", () => {
    const auth = authenticator(null);
    expect(auth.verify(headers(handshake(), null), NOW).ok).toBe(true);
    expect(auth.verify(headers(handshake({ to: n("n9") }), null), NOW).ok).toBe(false);
  });
});
