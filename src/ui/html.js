// htm bound to preact's h: JSX-like templates with no build step.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);

/** A duration in seconds, short and readable ("4 s", "3 min 20 s", "1 h 5 min"). */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A count with thousands separators. */
export function count(n) {
  return n === null || n === undefined ? "—" : n.toLocaleString("en");
}

/** A clock time of an epoch-ms instant. */
export function clock(atMs) {
  return new Date(atMs).toLocaleTimeString("en-GB");
}
