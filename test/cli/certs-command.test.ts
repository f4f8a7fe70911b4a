// Proves `elk-coordinator certs`: it writes a CA and per-node certificates whose common name is
// the node id, with the default and extra subject alternative names, valid for TLS server and
// client use and verifiable against the CA; keys are private (0600); a second run with new ids
// signs them with the same CA; bad ids are a usage error.
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/program.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "elk-certs-"));
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const certOf = async (name: string) =>
  new X509Certificate(await readFile(path.join(dir, `${name}.crt`)));

describe("certs", () => {
  it("writes a CA and node certificates bound to their ids", async () => {
    const args = ["certs", "--out", dir, "--nodes", "n1,n2", "--hosts", "*.peers,10.0.0.5"];
    expect(await runCli(args)).toBe(0);
    const ca = await certOf("ca");
    expect(ca.ca).toBe(true);
    for (const id of ["n1", "n2"]) {
      const cert = await certOf(id);
      expect(cert.subject).toBe(`CN=${id}`);
      expect(cert.ca).toBe(false);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkIssued(ca)).toBe(true);
      for (const name of [id, "localhost", "*.peers"])
        expect(cert.subjectAltName).toContain(`DNS:${name}`);
      expect(cert.subjectAltName).toContain("IP Address:127.0.0.1");
      expect(cert.subjectAltName).toContain("IP Address:10.0.0.5");
      expect(cert.keyUsage).toEqual(
        expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]),
      );
      expect((await stat(path.join(dir, `${id}.key`))).mode & 0o777).toBe(0o600);
    }
    expect((await stat(path.join(dir, "ca.key"))).mode & 0o777).toBe(0o600);
  });

  it("signs nodes added later with the same CA", async () => {
    const before = await certOf("ca");
    expect(await runCli(["certs", "--out", dir, "--nodes", "n3"])).toBe(0);
    expect((await certOf("ca")).fingerprint256).toBe(before.fingerprint256);
    expect((await certOf("n3")).checkIssued(before)).toBe(true);
  });

  it("refuses a malformed node id", async () => {
    expect(await runCli(["certs", "--out", dir, "--nodes", "n1,bad id"])).toBe(2);
  });
});
