/**
 * The mirror's guarded commit as one Lua script (docs/REDIS-MIRROR.md: a deposed leader's write
 * must not overwrite a newer mirror). Redis runs a script atomically, so a reader sees the data and
 * the
 * `mirror:applied_index` / `mirror:term` describing it change together, or not at all.
 *
 * The guard: the applied state at log index i is the same on every node (Raft's State Machine
 * Safety, §5.4.3), so a commit describing index i may replace a mirror at j only when i ≥ j
 * (i = j only from the same or a later term, the term being a tie-breaker). A commit made of
 * changes since `base` is complete only on top of a mirror at `base` or later: if the mirror is
 * older (Redis restarted empty), the commit is a `gap` and the writer resyncs. Every check runs
 * before the first write, so a refused commit changes nothing but its own staging hashes.
 *
 * Arguments: KEYS[1] = applied_index key, KEYS[2] = term key, then every key the steps name
 * (referenced by position). ARGV = base, index, term, then the steps:
 *   R s k | M s k | W k replace nSet (f v)… nDel f… | E k seconds | D k
 */
import type { CommitOutcome, CommitRequest } from "./store.js";

/** Field/value pairs per HSET call inside the script (Lua's unpack has a stack limit). */
const PAIRS_PER_CALL = 200;

/** The script's source. */
export const COMMIT_SCRIPT = `
local function hashOrNone(key)
  local t = redis.call('TYPE', key)['ok']
  return t == 'hash' or t == 'none'
end
local function hsetPairs(key, kv)
  for first = 1, #kv, ${2 * PAIRS_PER_CALL} do
    redis.call('HSET', key, unpack(kv, first, math.min(#kv, first + ${2 * PAIRS_PER_CALL - 1})))
  end
end
local steps, staged, lost, foreign = {}, {}, nil, nil
local i = 4
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'R' or op == 'M' then
    local s, k = KEYS[tonumber(ARGV[i + 1])], KEYS[tonumber(ARGV[i + 2])]
    staged[#staged + 1] = s
    if redis.call('HEXISTS', s, '') == 0 then lost = lost or s end
    if op == 'M' and not hashOrNone(k) then foreign = foreign or k end
    steps[#steps + 1] = {op, s, k}
    i = i + 3
  elseif op == 'W' then
    local k, replace, nSet = KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2] == '1', tonumber(ARGV[i + 3])
    local nDel = tonumber(ARGV[i + 4 + 2 * nSet])
    if not replace and not hashOrNone(k) then foreign = foreign or k end
    steps[#steps + 1] = {op, k, replace, i + 4, nSet, i + 5 + 2 * nSet, nDel}
    i = i + 5 + 2 * nSet + nDel
  elseif op == 'E' then
    steps[#steps + 1] = {op, KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2]}
    i = i + 3
  elseif op == 'D' then
    steps[#steps + 1] = {op, KEYS[tonumber(ARGV[i + 1])]}
    i = i + 2
  else
    return redis.error_reply('ERR unknown mirror commit step ' .. tostring(op))
  end
end
local base, index, term = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local j = tonumber(redis.call('GET', KEYS[1])) or 0
local t = tonumber(redis.call('GET', KEYS[2])) or 0
local refusal = nil
if index < j or (index == j and term < t) then refusal = {'stale', tostring(j), tostring(t)}
elseif base > j then refusal = {'gap', tostring(j), tostring(t)}
elseif lost then refusal = {'lost', lost}
elseif foreign then refusal = {'foreign', foreign} end
if refusal then
  for _, s in ipairs(staged) do redis.call('DEL', s) end
  return refusal
end
for _, step in ipairs(steps) do
  local op, k = step[1], step[2]
  if op == 'R' then
    redis.call('RENAME', k, step[3])
    redis.call('HDEL', step[3], '')
    redis.call('PERSIST', step[3])
  elseif op == 'M' then
    local flat = redis.call('HGETALL', k)
    local sets, dels = {}, {}
    for p = 1, #flat, 2 do
      if flat[p] ~= '' then
        if flat[p + 1] == '' then dels[#dels + 1] = flat[p]
        else sets[#sets + 1] = flat[p]; sets[#sets + 1] = flat[p + 1] end
      end
    end
    for d = 1, #dels do redis.call('HDEL', step[3], dels[d]) end
    hsetPairs(step[3], sets)
    redis.call('DEL', k)
  elseif op == 'W' then
    if step[3] then redis.call('DEL', k) end
    local kv = {}
    for p = step[4], step[4] + 2 * step[5] - 1 do kv[#kv + 1] = ARGV[p] end
    hsetPairs(k, kv)
    for d = step[6], step[6] + step[7] - 1 do redis.call('HDEL', k, ARGV[d]) end
  elseif op == 'E' then
    redis.call('EXPIRE', k, step[3])
  else
    redis.call('DEL', k)
  end
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
return {'ok'}
`;

/** The script's KEYS and ARGV for `request`. */
export interface ScriptCall {
  readonly keys: string[];
  readonly args: string[];
}

/** Encodes `request` for {@link COMMIT_SCRIPT}; the meta keys come first. */
export function encodeCommit(
  request: CommitRequest,
  meta: { readonly appliedIndex: string; readonly term: string },
): ScriptCall {
  const keys = [meta.appliedIndex, meta.term];
  const positions = new Map<string, number>();
  const ref = (key: string): string => {
    let position = positions.get(key);
    if (position === undefined) {
      keys.push(key);
      position = keys.length;
      positions.set(key, position);
    }
    return String(position);
  };
  const args = [String(request.base), String(request.index), String(request.term)];
  for (const step of request.steps) {
    switch (step.kind) {
      case "rename":
      case "merge":
        args.push(step.kind === "rename" ? "R" : "M", ref(step.staging), ref(step.key));
        break;
      case "write": {
        const sets: string[] = [];
        const deletes: string[] = [];
        for (const [field, value] of step.fields) {
          if (value === null) deletes.push(field);
          else sets.push(field, value);
        }
        args.push("W", ref(step.key), step.replace ? "1" : "0", String(sets.length / 2));
        args.push(...sets, String(deletes.length), ...deletes);
        break;
      }
      case "expire":
        args.push("E", ref(step.key), String(step.seconds));
        break;
      case "delete":
        args.push("D", ref(step.key));
        break;
    }
  }
  return { keys, args };
}

/** A reply the script cannot give: the store and the script disagree. */
export class CommitReplyError extends Error {
  override readonly name = "CommitReplyError";
}

/**
 * The outcome in the script's `reply`.
 * @throws CommitReplyError for a reply of another shape
 */
export function decodeCommitReply(reply: unknown): CommitOutcome {
  if (!Array.isArray(reply) || reply.some((part) => typeof part !== "string")) {
    throw new CommitReplyError(`unexpected commit reply ${JSON.stringify(reply)}`);
  }
  const [kind, first, second] = reply as string[];
  if (kind === "ok" && reply.length === 1) return { kind };
  if ((kind === "stale" || kind === "gap") && reply.length === 3) {
    return { kind, mirrorIndex: Number(first), mirrorTerm: Number(second) };
  }
  if ((kind === "lost" || kind === "foreign") && reply.length === 2 && first !== undefined) {
    return { kind, key: first };
  }
  throw new CommitReplyError(`unexpected commit reply ${JSON.stringify(reply)}`);
}
