/**
 * A small typed event emitter (after undici's diagnostics channels): a module emits
 * typed events and others subscribe, so observability stays off the hot core. A listener that
 * throws is reported and never stops the emitter or the other listeners. Emitting to nobody
 * costs one map lookup; {@link TypedEvents.has} lets an emitter skip building a costly payload.
 * The node's events (src/node/events.ts) and the mirror's (src/mirror/events.ts) are two maps.
 */

/** A subscriber to events of payload `E`. */
export type Listener<E> = (event: E) => void;

/** An emitter of the events of `M` (event name → payload). */
export class TypedEvents<M extends object> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  /** @param onListenerError told when a listener throws (the listener's error, not rethrown) */
  constructor(private readonly onListenerError: (name: keyof M, error: unknown) => void) {}

  /** Subscribes `listener` to `name`; returns the function that unsubscribes it. */
  on<K extends keyof M>(name: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Whether anyone listens to `name` (to skip building costly payloads). */
  has(name: keyof M): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0;
  }

  /** Calls every listener of `name`; a throwing listener is reported and the others still run. */
  emit<K extends keyof M>(name: K, event: M[K]): void {
    const set = this.listeners.get(name);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        (listener as Listener<M[K]>)(event);
      } catch (error) {
        this.onListenerError(name, error);
      }
    }
  }
}
