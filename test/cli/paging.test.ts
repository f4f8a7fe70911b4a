// Proves the shared paging options: the query they produce and the next-page hint.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/exit-codes.js";
import { addPagingOptions, pageQuery, withNextPage } from "../../src/cli/paging.js";

describe("paging", () => {
  it("adds --limit and --cursor and turns them into query fields", () => {
    const command = addPagingOptions(new Command("x").exitOverride());
    command.parse(["--limit", "5", "--cursor", "p1:3"], { from: "user" });
    expect(pageQuery(command.opts())).toEqual({ limit: 5, cursor: "p1:3" });
    expect(pageQuery({})).toEqual({});
    expect(() => pageQuery({ limit: "0" })).toThrow(UsageError);
  });

  it("says how to get the next page only when there is one", () => {
    expect(withNextPage("T", null)).toBe("T");
    expect(withNextPage("T", "p1:9")).toBe("T\nmore: --cursor p1:9");
  });
});
