/**
 * The building blocks of every HTTP schema (docs/API.md): ids, bounded integers, nullable
 * values and paging fields, with the limits of src/constants.ts, so that the HTTP layer refuses
 * what the state machine would refuse before anything is proposed. Schemas are TypeBox v1
 * (plain JSON Schema objects), so they serve validation, serialization and OpenAPI alike.
 */
import { Type } from "typebox";
import type { Static, TProperties, TSchema, TUnsafe } from "typebox";
import { cursorCharsMax, idBytesMax, nodeIdCharsMax, queryPageRowsMax } from "../constants.js";
import { ID_PATTERN } from "../state-machine/index.js";
import { assert } from "../util/assert.js";

/** Largest integer every JSON number of ours stays within (ids, counters, times). */
export const SAFE_INTEGER_MAX = Number.MAX_SAFE_INTEGER;

/** `T` with every array and property readonly, all the way down: how responses are handed out. */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * `schema` or null. Written as a JSON Schema type list (`["integer", "null"]`), which OpenAPI 3.1
 * accepts and fast-json-stringify serializes without trying each branch of an `anyOf`.
 * @throws InvariantViolation when `schema` does not name exactly one `type`
 */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  const { type } = schema as { readonly type?: unknown };
  assert(typeof type === "string", "Nullable takes a schema with exactly one type");
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, "null"] });
}

/** A non-negative safe integer (ids, counts, log indexes, times in ms). */
export const Count = (description?: string) =>
  Type.Integer({ minimum: 0, maximum: SAFE_INTEGER_MAX, ...described(description) });

/** An integer in `[minimum, maximum]`. */
export const Bounded = (minimum: number, maximum: number, description?: string) =>
  Type.Integer({ minimum, maximum, ...described(description) });

/** A time on the replicated clock: ms since the Unix epoch, stamped by the leader. */
export const AtMs = (description: string) => Count(description);

/** A client-chosen id (plan, worker, namespace): `[A-Za-z0-9._-]{1,64}`. */
export const Id = (description: string) =>
  Type.String({ pattern: ID_PATTERN.source, maxLength: idBytesMax, description });

/** A coordinator node's id, as the transport requires it. */
export const NodeIdField = (description: string) =>
  Type.String({ pattern: ID_PATTERN.source, maxLength: nodeIdCharsMax, description });

/** A partition's fencing token: the log index of its grant, so at least 1. */
export const FencingTokenField = Bounded(
  1,
  SAFE_INTEGER_MAX,
  "The log index of the partition's grant; present it with every report on the partition.",
);

/** `?consistency=`: reads are linearizable (ReadIndex, Raft thesis §6.4) unless `stale`. */
export const Consistency = Type.Optional(
  Type.Enum(["linearizable", "stale"], {
    description:
      "linearizable (default) reads after a ReadIndex round; stale reads this node's state",
  }),
);

/** `?limit=`: rows per page. */
export const Limit = Type.Optional(
  Bounded(1, queryPageRowsMax, `Rows per page (default 100, at most ${queryPageRowsMax}).`),
);

/** `?cursor=`: the `nextCursor` of the previous page. */
export const Cursor = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: cursorCharsMax,
    description: "The nextCursor of the previous page.",
  }),
);

/** The cursor that continues a listing, or null on the last page. */
export const NextCursor = Nullable(
  Type.String({ description: "Pass as ?cursor= for the next page; null on the last page." }),
);

/** A page of `item` rows: `{ items, nextCursor }`. */
export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: NextCursor }, { additionalProperties: false });

/** The query of a listing: its `filters`, plus limit, cursor and consistency. */
export const ListQuery = <P extends TProperties>(filters: P) =>
  Type.Object(
    { ...filters, limit: Limit, cursor: Cursor, consistency: Consistency },
    { additionalProperties: false },
  );

/** An inclusive range of record ids. */
export const IdRangeSchema = Type.Object(
  { minId: Count(), maxId: Count() },
  { additionalProperties: false, description: "An inclusive range of record ids." },
);

/** A body with no fields (POST actions that need none); an absent body counts as `{}`. */
export const EmptyBody = Type.Object({}, { additionalProperties: false });

function described(description: string | undefined): { description?: string } {
  return description === undefined ? {} : { description };
}
