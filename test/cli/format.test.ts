// Proves the text helpers for people: aligned tables with numeric columns right-aligned, a
// clamped progress bar, durations, relative times and rates, each pinned to exact output.
import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatRate,
  percent,
  progressBar,
  relativeTime,
  renderTable,
  truncate,
} from "../../src/cli/format.js";

describe("renderTable", () => {
  it("aligns columns, right-aligns numeric ones and trims trailing spaces", () => {
    const table = renderTable(
      ["NAME", "COUNT", "NOTE"],
      [
        ["alpha", "5", ""],
        ["b", "1200", "x"],
      ],
    );
    expect(table.split("\n")).toEqual(["NAME   COUNT  NOTE", "alpha      5", "b       1200  x"]);
  });

  it("treats percentages, units and '-' as numbers but not mixed text", () => {
    const table = renderTable(
      ["P", "T"],
      [
        ["5.0%", "a1"],
        ["-", "b22"],
      ],
    );
    expect(table.split("\n")).toEqual(["   P  T", "5.0%  a1", "   -  b22"]);
  });

  it("prints only the header for no rows", () => {
    expect(renderTable(["A", "B"], [])).toBe("A  B");
  });
});

describe("progressBar", () => {
  it("fills in proportion and shows the percentage", () => {
    expect(progressBar(0.5, 10)).toBe("[█████░░░░░]  50.0%");
    expect(progressBar(0, 4)).toBe("[░░░░]   0.0%");
    expect(progressBar(1, 4)).toBe("[████] 100.0%");
  });

  it("clamps out-of-range and non-finite fractions", () => {
    expect(progressBar(1.7, 4)).toBe("[████] 100.0%");
    expect(progressBar(-1, 4)).toBe("[░░░░]   0.0%");
    expect(progressBar(Number.NaN, 4)).toBe("[░░░░]   0.0%");
  });

  it("percent keeps one decimal", () => {
    expect(percent(0.1234)).toBe("12.3%");
  });
});

describe("durations and times", () => {
  it("picks the unit by size", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(200_000)).toBe("3 m 20 s");
    expect(formatDuration(7_500_000)).toBe("2 h 05 m");
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3 d 4 h");
  });

  it("says in how long or how long ago", () => {
    expect(relativeTime(10_000, 2_000)).toBe("in 8 s");
    expect(relativeTime(2_000, 5_000)).toBe("3 s ago");
    expect(relativeTime(null, 5_000)).toBe("-");
  });

  it("rounds rates to three significant digits without trailing zeros", () => {
    expect(formatRate(12.345)).toBe("12.3");
    expect(formatRate(20)).toBe("20");
    expect(formatRate(4.5)).toBe("4.5");
    expect(formatRate(0)).toBe("0");
    expect(formatRate(4567.8)).toBe("4568");
  });

  it("truncates with an ellipsis", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
  });
});
