// Proves the client options every command shares: endpoints parsing (a bare host:port gets
// http://), ELK_ENDPOINTS and the dev default, and --json switching the output to one JSON line.
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  DEV_ENDPOINTS,
  addClientOptions,
  emit,
  parseEndpoints,
} from "../../src/cli/client-options.js";
import { UsageError } from "../../src/cli/exit-codes.js";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("parseEndpoints", () => {
  it("splits, trims and adds http:// to a bare host:port", () => {
    expect(parseEndpoints(" 127.0.0.1:7101, http://h:2 ,https://s:3,")).toEqual([
      "http://127.0.0.1:7101",
      "http://h:2",
      "https://s:3",
    ]);
  });

  it("refuses an empty list", () => {
    expect(() => parseEndpoints(" , ")).toThrow(UsageError);
  });
});

describe("addClientOptions", () => {
  const parse = (argv: string[]) => {
    const command = addClientOptions(new Command("x").exitOverride());
    command.parse(argv, { from: "user" });
    return command.opts();
  };

  it("defaults to the dev cluster, takes ELK_ENDPOINTS, and a flag over both", () => {
    expect(parse([]).endpoints).toBe(DEV_ENDPOINTS);
    vi.stubEnv("ELK_ENDPOINTS", "h:1");
    vi.stubEnv("ELK_API_TOKEN", "tok");
    expect(parse([])).toMatchObject({ endpoints: "h:1", apiToken: "tok" });
    expect(parse(["--endpoints", "h:2", "--json"])).toMatchObject({ endpoints: "h:2", json: true });
  });
});

describe("emit", () => {
  it("prints the human text, or one JSON line with --json", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    emit({ endpoints: "x" }, { a: 1 }, () => "human");
    emit({ endpoints: "x", json: true }, { a: 1 }, () => "human");
    expect(log.mock.calls).toEqual([["human"], ['{"a":1}']]);
  });
});
