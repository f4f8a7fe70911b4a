/**
 * Text for people: aligned tables, a progress bar, durations and relative times. Pure functions
 * of their inputs (the current time is passed in), so tests pin their output.
 */

/** A cell is right-aligned when every cell of its column looks like a number. */
const NUMERIC = /^[-+]?[\d.,]+(%| ?[a-z/]+)?$|^-$/;

/**
 * An aligned table: a header row, then the rows; two spaces between columns, numeric columns
 * right-aligned, no trailing spaces.
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const numeric = header.map(
    (_title, column) => rows.length > 0 && rows.every((row) => NUMERIC.test(row[column] ?? "")),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return numeric[column] === true ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** `[██████░░░░]  60.0%` for a fraction in [0, 1] (clamped), `width` cells wide. */
export function progressBar(fraction: number, width = 30): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.floor(clamped * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${percent(clamped).padStart(6)}`;
}

/** `60.0%` */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A duration for people: `850 ms`, `42 s`, `3 m 20 s`, `2 h 05 m`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} m ${String(seconds % 60).padStart(2, "0")} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, "0")} m`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** `in 8 s` or `3 s ago` for a time `atMs` seen at `nowMs`; `-` for null. */
export function relativeTime(atMs: number | null, nowMs: number): string {
  if (atMs === null) return "-";
  const deltaMs = atMs - nowMs;
  return deltaMs >= 0 ? `in ${formatDuration(deltaMs)}` : `${formatDuration(-deltaMs)} ago`;
}

/** A rate with at most three significant digits: `12.3`, `4560`. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 100) return String(Math.round(perSecond));
  return perSecond.toPrecision(3).replace(/\.?0+$/, "");
}

/** `text` cut to `max` characters, with `…` when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
