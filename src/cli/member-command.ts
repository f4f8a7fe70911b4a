/**
 * `elk-coordinator member list|add|promote|remove|replace`: the cluster's membership
 * (docs/API.md "Membership", docs/MEMBERSHIP.md). `list` shows the configuration as the leader
 * sees it (with each member's replication progress); `add`, `promote` and `remove` are one
 * change each; `replace` chains them safely and resumably (member-replace.ts).
 */
import { Command, Option } from "commander";
import { nodeIdCharsMax } from "../constants.js";
import { NODE_ID_PATTERN } from "../server/index.js";
import {
  addClientOptions,
  emit,
  parseEndpoints,
  withClient,
  type ClientFlags,
} from "./client-options.js";
import { UsageError } from "./exit-codes.js";
import { progressBar, renderTable } from "./format.js";
import { leaderMembers, type Membership } from "./leader-members.js";
import { replaceMember } from "./member-replace.js";
import { parseCount } from "./parse.js";
import { PEER_ADDRESS_PATTERN } from "../util/peer-address.js";

/** `member replace` gives up after this long unless `--timeout-ms` says otherwise. */
const REPLACE_TIMEOUT_MS_DEFAULT = 600_000;
/** How often `member replace` polls a catching-up learner. */
const CATCH_UP_POLL_INTERVAL_MS = 1_000;

/** The `member` command and its subcommands. */
export function memberCommand(): Command {
  const member = new Command("member").description(
    "list and change the cluster's members: learners, voters, replacing a node",
  );
  member.addCommand(listCommand());
  member.addCommand(addCommand());
  member.addCommand(promoteCommand());
  member.addCommand(removeCommand());
  member.addCommand(replaceCommand());
  return member;
}

function listCommand(): Command {
  const command = new Command("list").description(
    "voters and learners as the leader sees them: address, progress, link state",
  );
  return addClientOptions(command).action(async (flags: ClientFlags) => {
    const view = await withClient(flags, (client) =>
      leaderMembers(
        client,
        parseEndpoints(flags.endpoints, flags.ca !== undefined),
        flags.ca !== undefined,
      ),
    );
    emit(flags, view, () => renderMembers(view));
  });
}

interface AddFlags extends ClientFlags {
  readonly address: string;
}

function addCommand(): Command {
  const command = new Command("add")
    .description("add a node as a learner (start it with --join; promote it once caught up)")
    .argument("<id>", "a node id never used in this cluster")
    .requiredOption("--address <host:port>", "where the new node listens");
  return addClientOptions(command).action(async (id: string, flags: AddFlags) => {
    const body = { id: parseMemberId(id, "<id>"), address: parseAddress(flags.address) };
    const view = await withClient(flags, (client) => client.addMember(body));
    emit(flags, view, () => `added ${id} as a learner\n${renderMembers(view)}`);
  });
}

function promoteCommand(): Command {
  const command = new Command("promote")
    .description("make a learner a voter (refused until it has caught up)")
    .argument("<id>", "the learner");
  return addClientOptions(command).action(async (id: string, flags: ClientFlags) => {
    const view = await withClient(flags, (client) =>
      client.promoteMember(parseMemberId(id, "<id>")),
    );
    emit(flags, view, () => `promoted ${id} to voter\n${renderMembers(view)}`);
  });
}

interface RemoveFlags extends ClientFlags {
  readonly force?: true;
}

function removeCommand(): Command {
  const command = new Command("remove")
    .description("remove a voter or learner for good (its id is never used again)")
    .argument("<id>", "the member")
    .option("--force", "remove even if the voters left would not include a live majority");
  return addClientOptions(command).action(async (id: string, flags: RemoveFlags) => {
    const query = flags.force === true ? { force: true } : {};
    const view = await withClient(flags, (client) =>
      client.removeMember(parseMemberId(id, "<id>"), query),
    );
    emit(flags, view, () => `removed ${id}\n${renderMembers(view)}`);
  });
}

interface ReplaceFlags extends ClientFlags {
  readonly old: string;
  readonly new: string;
  readonly address: string;
  readonly timeoutMs: string;
}

function replaceCommand(): Command {
  const command = new Command("replace")
    .description(
      "replace a member: add --new as a learner, wait until it caught up, promote it, remove " +
        "--old; rerun after an interruption to resume",
    )
    .requiredOption("--old <id>", "the member to replace")
    .requiredOption("--new <id>", "the new node's id (never used in this cluster)")
    .requiredOption("--address <host:port>", "where the new node listens")
    .addOption(
      new Option("--timeout-ms <ms>", "give up after this long (rerun to resume)").default(
        String(REPLACE_TIMEOUT_MS_DEFAULT),
      ),
    );
  return addClientOptions(command).action(async (flags: ReplaceFlags) => {
    const request = {
      oldId: parseMemberId(flags.old, "--old"),
      newId: parseMemberId(flags.new, "--new"),
      address: parseAddress(flags.address),
      timeoutMs: parseCount(flags.timeoutMs, "--timeout-ms", 1),
    };
    if (request.oldId === request.newId) throw new UsageError("--old and --new must differ");
    const tls = flags.ca !== undefined;
    const progress = new ProgressLine(request.newId);
    const view = await withClient(flags, (client) =>
      replaceMember(request, {
        client,
        endpoints: parseEndpoints(flags.endpoints, tls),
        tls,
        now: Date.now,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        pollIntervalMs: CATCH_UP_POLL_INTERVAL_MS,
        onStep: (message) => progress.print(message),
        onProgress: (behind, max) => progress.update(behind, max),
        onRetry: (error) => progress.print(`retrying: [${error.code}] ${error.message}`),
      }).finally(() => progress.end()),
    );
    emit(
      flags,
      view,
      () => `replaced ${request.oldId} with ${request.newId}\n${renderMembers(view)}`,
    );
  });
}

/**
 * The table of `member list`: a line on the configuration, then one row per member (leader
 * marked `*`); progress columns show `-` unless the leader answered.
 */
export function renderMembers(view: Membership): string {
  const fromLeader = view.nodeId === view.leaderId;
  const removed = view.removed.length === 0 ? "none" : view.removed.join(" ");
  const summary =
    `config index ${view.configIndex}  change in flight: ${view.changeInFlight ? "yes" : "no"}` +
    `  removed: ${removed}  (answered by ${view.nodeId}` +
    `${fromLeader ? ", the leader" : `, not the leader ${view.leaderId ?? "(none)"}: no progress`})`;
  const rows = view.members.map((member) => [
    member.id,
    member.role,
    member.address ?? "-",
    member.isLeader ? "*" : "",
    member.matchIndex === null ? "-" : String(member.matchIndex),
    member.entriesBehind === null ? "-" : String(member.entriesBehind),
    member.caughtUp === null ? "-" : member.caughtUp ? "yes" : "no",
    member.connected === null ? "-" : member.connected ? "yes" : "no",
  ]);
  const header = ["ID", "ROLE", "ADDRESS", "LEADER", "MATCH", "BEHIND", "CAUGHT UP", "CONNECTED"];
  return `${summary}\n${renderTable(header, rows)}`;
}

/**
 * `member replace`'s report on stderr: steps as lines, the learner's catch-up as a progress bar
 * redrawn in place on a terminal (a line per reading otherwise).
 */
class ProgressLine {
  private firstBehind: number | null = null;
  private lastBehind: number | null = null;
  private open = false;

  constructor(private readonly learnerId: string) {}

  update(entriesBehind: number, caughtUpEntriesMax: number): void {
    if (entriesBehind === this.lastBehind) return;
    this.lastBehind = entriesBehind;
    this.firstBehind = Math.max(this.firstBehind ?? 0, entriesBehind);
    const fraction = this.firstBehind === 0 ? 1 : 1 - entriesBehind / this.firstBehind;
    const line =
      `${this.learnerId} catching up ${progressBar(fraction, 20)}  ${entriesBehind} entries ` +
      `behind (promotable within ${caughtUpEntriesMax})`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}\x1b[K`);
      this.open = true;
    } else {
      process.stderr.write(`${line}\n`);
    }
  }

  print(message: string): void {
    this.end();
    process.stderr.write(`${message}\n`);
  }

  end(): void {
    if (this.open) process.stderr.write("\n");
    this.open = false;
  }
}

/**
 * A node id as the transport accepts it.
 * @throws UsageError otherwise
 */
export function parseMemberId(text: string, option: string): string {
  if (text.length > nodeIdCharsMax || !NODE_ID_PATTERN.test(text)) {
    throw new UsageError(
      `${option}: "${text}" must be 1..${nodeIdCharsMax} characters of A-Z a-z 0-9 . _ -`,
    );
  }
  return text;
}

/**
 * `host:port` or `[ipv6]:port` with a port 1..65535.
 * @throws UsageError otherwise
 */
export function parseAddress(text: string): string {
  if (!PEER_ADDRESS_PATTERN.test(text)) {
    throw new UsageError(`--address must be host:port with a port 1..65535, got "${text}"`);
  }
  return text;
}
