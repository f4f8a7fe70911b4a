/**
 * The Redis mirror's public surface (docs/REDIS-MIRROR.md): build a configuration with {@link
 * mirrorConfig}, start a {@link RedisMirror} next to a node, read `stats()` or subscribe to its
 * events, and
 * `stop()` it with the node. The layout it writes is documented in docs/REDIS-MIRROR.md and named
 * by {@link MirrorKeys}.
 */
export { mirrorConfig, MirrorConfigError } from "./config.js";
export type { CompletedPolicy, MirrorConfig, MirrorOptions } from "./config.js";
export { MirrorKeys } from "./keys.js";
export { RedisMirror } from "./redis-mirror.js";
export type { MirrorDeps, MirrorSource, MirrorStats } from "./redis-mirror.js";
export type { MirrorEventMap, MirrorEventName } from "./events.js";
