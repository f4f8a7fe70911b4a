// Proves the shared listing options: --status limited to the given values, the query fields
// the flags make (undefined fields left out), and the next-page hint.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/exit-codes.js";
import {
  addListingOptions,
  definedFields,
  listingQuery,
  withNextPage,
} from "../../src/cli/listing.js";

const parse = (argv: string[]) => {
  const command = addListingOptions(new Command("x").exitOverride(), ["on", "off"]);
  command.configureOutput({ writeErr: () => undefined });
  command.parse(argv, { from: "user" });
  return command.opts();
};

describe("listing options", () => {
  it("turns --status, --limit and --cursor into query fields", () => {
    expect(listingQuery(parse(["--status", "on", "--limit", "5", "--cursor", "p1:3"]))).toEqual({
      status: "on",
      limit: 5,
      cursor: "p1:3",
    });
    expect(listingQuery(parse([]))).toEqual({});
  });

  it("refuses a status that is not offered and a limit below 1", () => {
    expect(() => parse(["--status", "maybe"])).toThrow(/Allowed choices are on, off/);
    expect(() => listingQuery({ limit: "0" })).toThrow(UsageError);
  });

  it("says how to get the next page only when there is one", () => {
    expect(withNextPage("T", null)).toBe("T");
    expect(withNextPage("T", "p1:9")).toBe("T\nmore: --cursor p1:9");
  });

  it("leaves out undefined fields and keeps falsy ones", () => {
    expect(definedFields({ a: undefined, b: 0, c: "", d: null, e: false })).toEqual({
      b: 0,
      c: "",
      d: null,
      e: false,
    });
  });
});
