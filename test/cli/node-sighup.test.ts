// Proves that a running `elk-coordinator node` process with TLS reloads its certificate on
// SIGHUP: after new files are written and the signal sent, new connections get the new
// certificate, the process keeps running, and SIGTERM still stops it with exit code 0.
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { createCa, createNodeCertificate } from "../../src/cli/dev-certs.js";
import { cliInvocation } from "../../src/cli/dev-cluster.js";
import { freePort } from "../mirror/redis-server.js";
import { waitFor } from "../node/harness.js";

let root: string | undefined;
afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

/** The serial number of the certificate served on `port`, or null when nothing answers yet. */
function servedSerial(port: number, ca: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca, servername: "n1" }, () => {
      resolve(socket.getPeerCertificate().serialNumber.toLowerCase());
      socket.end();
    });
    socket.once("error", () => resolve(null));
  });
}

describe("node process and SIGHUP", () => {
  it("serves the new certificate after SIGHUP, and still stops cleanly", async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "elk-sighup-"));
    const ca = await createCa(1);
    await writeFile(path.join(root, "ca.crt"), ca.cert);
    const writeNodePair = async () => {
      const pair = await createNodeCertificate(ca, "n1", { days: 1 });
      await writeFile(path.join(root!, "n1.crt"), pair.cert);
      await writeFile(path.join(root!, "n1.key"), pair.key);
      return new X509Certificate(pair.cert).serialNumber.toLowerCase();
    };
    const first = await writeNodePair();
    const port = await freePort();
    const { execPath, args } = cliInvocation();
    const child = spawn(
      execPath,
      [...args, "node", "--id", "n1", "--listen", `127.0.0.1:${port}`, "--data-dir", root],
      {
        env: {
          ...process.env,
          ELK_CLUSTER_SECRET: "a cluster secret of 32 characters",
          ELK_TLS_CERT: path.join(root, "n1.crt"),
          ELK_TLS_KEY: path.join(root, "n1.key"),
          ELK_TLS_CA: path.join(root, "ca.crt"),
          ELK_LOG_LEVEL: "warn",
        },
        stdio: "ignore",
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      expect(
        await waitFor(
          "the node to serve TLS",
          async () => (await servedSerial(port, ca.cert)) ?? undefined,
          30_000,
        ),
      ).toBe(first);
      const second = await writeNodePair();
      child.kill("SIGHUP");
      await waitFor(
        "the new certificate",
        async () => (await servedSerial(port, ca.cert)) === second,
        10_000,
      );
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
