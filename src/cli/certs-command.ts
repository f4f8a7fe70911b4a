/**
 * `elk-coordinator certs --out <dir> --nodes n1,n2,n3 [--hosts …] [--days 365]`: writes a
 * development CA and one certificate and key per node (./dev-certs.ts, docs/SECURITY.md). Run it
 * again with new node ids and the same `--out` to sign more nodes with the same CA.
 */
import { Command } from "commander";
import { NODE_ID_PATTERN } from "../server/index.js";
import { writeDevCertificates } from "./dev-certs.js";
import { UsageError } from "./exit-codes.js";
import { parseCount } from "./parse.js";

interface CertsFlags {
  readonly out: string;
  readonly nodes: string;
  readonly hosts?: string;
  readonly days: string;
}

/** The `certs` command. */
export function certsCommand(): Command {
  return new Command("certs")
    .description("write a development CA and a TLS certificate per node (not for production)")
    .requiredOption("--out <dir>", "where ca.crt, ca.key, <node>.crt and <node>.key go")
    .requiredOption("--nodes <ids>", "comma-separated node ids (each certificate's common name)")
    .option(
      "--hosts <names>",
      "extra DNS names (wildcards allowed) or IPs every node certificate is valid for",
    )
    .option("--days <n>", "validity in days", "365")
    .action(async (flags: CertsFlags) => {
      const nodeIds = listOf(flags.nodes);
      if (nodeIds.length === 0) throw new UsageError("--nodes lists no node");
      for (const id of nodeIds) {
        if (!NODE_ID_PATTERN.test(id)) throw new UsageError(`--nodes: "${id}" is not a node id`);
      }
      const written = await writeDevCertificates(flags.out, nodeIds, {
        days: parseCount(flags.days, "--days", 1),
        extraHosts: listOf(flags.hosts ?? ""),
      });
      const ca = written.reusedCa ? "signed with the existing CA" : "made a new CA";
      console.log(`${written.dir}: ${ca}; wrote ${written.files.join(", ")}`);
    });
}

function listOf(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}
