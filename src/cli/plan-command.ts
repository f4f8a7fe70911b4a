/**
 * `elk-coordinator plan …`: submit a plan, list plans, show one with its counts, progress bar,
 * rate and ETA, list its gaps, and pause, resume, cancel or retry its failed partitions. Every
 * write carries an Idempotency-Key, so the client's retries never apply it twice (and a submit
 * re-run with the same `--idempotency-key` returns the first result).
 */
import { randomUUID } from "node:crypto";
import { Command } from "commander";
import { PlanStatusSchema, type BodyOf, type ResponseOf, type ROUTES } from "../protocol/index.js";
import type { CoordinatorClient } from "../worker/client.js";
import { addClientOptions, emit, withClient, type ClientFlags } from "./client-options.js";
import {
  formatDuration,
  formatRate,
  percent,
  progressBar,
  renderTable,
  truncate,
} from "./format.js";
import { definedFields, listingCommand, withNextPage, type ListingFlags } from "./listing.js";
import { parseCount, parseJson } from "./parse.js";

type PlanDetail = ResponseOf<(typeof ROUTES)["getPlan"]>;
type PlanPage = ResponseOf<(typeof ROUTES)["listPlans"]>;

/** The `plan` command and its subcommands. */
export function planCommand(): Command {
  const plan = new Command("plan").description("submit and manage plans");
  plan.addCommand(submitCommand());
  plan.addCommand(listCommand());
  plan.addCommand(showCommand());
  plan.addCommand(gapsCommand());
  for (const action of ["pause", "resume", "cancel"] as const) {
    plan.addCommand(statusAction(action));
  }
  plan.addCommand(retryFailedCommand());
  return plan;
}

interface SubmitFlags extends ClientFlags {
  readonly name?: string;
  readonly min: string;
  readonly max: string;
  readonly partitionSize: string;
  readonly priority?: string;
  readonly maxAttempts?: string;
  readonly options?: string;
  readonly namespace?: string;
  readonly planId?: string;
  readonly idempotencyKey?: string;
}

function submitCommand(): Command {
  const command = new Command("submit")
    .description("create a plan: the ids min..max cut into partitions of partition-size")
    .option("--name <name>", "a name for people (default: the plan id)")
    .requiredOption("--min <id>", "first record id")
    .requiredOption("--max <id>", "last record id (inclusive)")
    .requiredOption("--partition-size <n>", "ids per partition")
    .option("--priority <n>", "higher is served first (default 0)")
    .option("--max-attempts <n>", "attempts before a partition fails (default 3)")
    .option("--options <json>", "JSON handed to the processor")
    .option("--namespace <ns>", 'workers of this namespace process it (default "default")')
    .option("--plan-id <id>", "choose the id: re-submitting identical fields is a no-op")
    .option("--idempotency-key <key>", "re-running with the same key returns the first result");
  return addClientOptions(command).action(async (flags: SubmitFlags) => {
    const body = submitBody(flags);
    const idempotencyKey = flags.idempotencyKey ?? randomUUID();
    const answer = await withClient(flags, (client) => client.createPlan(body, { idempotencyKey }));
    emit(flags, answer, () =>
      answer.created
        ? `plan ${answer.planId} created: ${answer.partitionCount} partitions`
        : `plan ${answer.planId} already existed with these fields (${answer.partitionCount} partitions)`,
    );
  });
}

/** `parse(text)`, or undefined when the flag was not given. */
function optional<T>(text: string | undefined, parse: (text: string) => T): T | undefined {
  return text === undefined ? undefined : parse(text);
}

function submitBody(flags: SubmitFlags): BodyOf<(typeof ROUTES)["createPlan"]> {
  return {
    minId: parseCount(flags.min, "--min"),
    maxId: parseCount(flags.max, "--max"),
    partitionSize: parseCount(flags.partitionSize, "--partition-size", 1),
    ...definedFields({
      planId: flags.planId,
      namespace: flags.namespace,
      name: flags.name,
      priority: optional(flags.priority, (text) => parseCount(text, "--priority", -Infinity)),
      maxAttempts: optional(flags.maxAttempts, (text) => parseCount(text, "--max-attempts", 1)),
      options: optional(flags.options, (text) => parseJson(text, "--options")),
    }),
  };
}

interface ListFlags extends ClientFlags, ListingFlags<PlanPage["items"][number]["status"]> {
  readonly namespace?: string;
}

function listCommand(): Command {
  return listingCommand({
    name: "list",
    description: "list plans by id",
    statuses: PlanStatusSchema.enum,
    configure: (command) => command.option("--namespace <ns>", "only this namespace"),
    fetch: (client, flags: ListFlags, paging) =>
      client.listPlans({ ...definedFields({ namespace: flags.namespace }), ...paging }),
    render: renderPlanPage,
  });
}

/** The table of `plan list`. */
export function renderPlanPage(page: PlanPage): string {
  if (page.items.length === 0) return "no plans";
  const rows = page.items.map((plan) => [
    plan.planId,
    truncate(plan.name, 30),
    plan.namespace,
    plan.status,
    String(plan.priority),
    String(plan.partitionCount),
    String(plan.counts.completed),
    String(plan.counts.failed),
    percent(plan.progress),
  ]);
  const header = ["PLAN", "NAME", "NAMESPACE", "STATUS", "PRIORITY", "PARTITIONS", "DONE"];
  const table = renderTable([...header, "FAILED", "PROGRESS"], rows);
  return withNextPage(table, page.nextCursor);
}

function showCommand(): Command {
  const command = new Command("show")
    .description("a plan's counts, progress, rate and ETA")
    .argument("<planId>");
  return addClientOptions(command).action(async (planId: string, flags: ClientFlags) => {
    const plan = await withClient(flags, (client) => client.getPlan(planId));
    emit(flags, plan, () => renderPlan(plan));
  });
}

/** The text of `plan show`. */
export function renderPlan(plan: PlanDetail): string {
  const range = plan.maxId === null ? `${plan.minId}..(open)` : `${plan.minId}..${plan.maxId}`;
  const { counts } = plan;
  const rate =
    plan.rate === null
      ? "rate  -"
      : `rate  ${formatRate(plan.rate.partitionsPerSecond)} partitions/s, ` +
        `${formatRate(plan.rate.itemsPerSecond)} items/s ` +
        `(over ${formatDuration(plan.rate.windowSeconds * 1_000)})`;
  const eta = plan.etaSeconds === null ? "-" : formatDuration(plan.etaSeconds * 1_000);
  return [
    `plan ${plan.planId}  "${plan.name}"  ${plan.status}  namespace ${plan.namespace}  priority ${plan.priority}`,
    `ids ${range} in ${plan.partitionCount} partitions of ${plan.partitionSize}` +
      (plan.openEnded && !plan.closed ? " (open: a planner adds more)" : ""),
    `${progressBar(plan.progress)}  ${counts.completed}/${plan.partitionCount} partitions, ` +
      `${plan.processedCount} items`,
    `pending ${counts.pending}  claimed ${counts.claimed}  running ${counts.running}  ` +
      `completed ${counts.completed}  failed ${counts.failed}`,
    `${rate}  ETA ${eta}`,
  ].join("\n");
}

interface GapsFlags extends ClientFlags {
  readonly fromId?: string;
  readonly limit?: string;
}

function gapsCommand(): Command {
  const command = new Command("gaps")
    .description("id ranges of a plan not covered by a completed partition")
    .argument("<planId>")
    .option("--from-id <id>", "from this id on (default the plan's min)")
    .option("--limit <n>", "ranges (default 100)");
  return addClientOptions(command).action(async (planId: string, flags: GapsFlags) => {
    const answer = await withClient(flags, (client) =>
      client.planGaps(
        planId,
        definedFields({
          fromId: optional(flags.fromId, (text) => parseCount(text, "--from-id")),
          limit: optional(flags.limit, (text) => parseCount(text, "--limit", 1)),
        }),
      ),
    );
    emit(flags, answer, () => {
      if (answer.complete) return `plan ${planId}: no gaps, every id is in a completed partition`;
      const rows = answer.gaps.map((gap) => [
        String(gap.minId),
        String(gap.maxId),
        String(gap.maxId - gap.minId + 1),
      ]);
      const more = answer.nextFromId === null ? "" : `\nmore: --from-id ${answer.nextFromId}`;
      return `${renderTable(["FROM", "TO", "IDS"], rows)}${more}`;
    });
  });
}

type StatusAction = "pause" | "resume" | "cancel";

function statusAction(action: StatusAction): Command {
  const calls: Record<StatusAction, (client: CoordinatorClient, planId: string) => StatusAnswer> = {
    pause: (client, planId) => client.pausePlan(planId, oncePerRun()),
    resume: (client, planId) => client.resumePlan(planId, oncePerRun()),
    cancel: (client, planId) => client.cancelPlan(planId, oncePerRun()),
  };
  const command = new Command(action).description(`${action} a plan`).argument("<planId>");
  return addClientOptions(command).action(async (planId: string, flags: ClientFlags) => {
    const answer = await withClient(flags, (client) => calls[action](client, planId));
    emit(flags, answer, () => {
      const released =
        action === "cancel" ? `, ${answer.releasedCount} held partitions released` : "";
      return `plan ${answer.planId}: ${answer.planStatus}${released}`;
    });
  });
}

type StatusAnswer = Promise<ResponseOf<(typeof ROUTES)["pausePlan"]>>;

/** An Idempotency-Key for this run, so the client may retry a write it is unsure about. */
function oncePerRun(): { idempotencyKey: string } {
  return { idempotencyKey: randomUUID() };
}

interface RetryFlags extends ClientFlags {
  readonly partitions?: string;
}

function retryFailedCommand(): Command {
  const command = new Command("retry-failed")
    .description("put a plan's failed partitions back to pending")
    .argument("<planId>")
    .option("--partitions <ids>", "only these partition numbers (comma list)");
  return addClientOptions(command).action(async (planId: string, flags: RetryFlags) => {
    const partitionIds = flags.partitions
      ?.split(",")
      .filter((part) => part.trim() !== "")
      .map((part) => parseCount(part, "--partitions"));
    const answer = await withClient(flags, (client) =>
      client.retryFailed(planId, definedFields({ partitionIds }), oncePerRun()),
    );
    emit(
      flags,
      answer,
      () => `plan ${answer.planId}: ${answer.retriedCount} partitions back to pending`,
    );
  });
}
