// Proves the strict conversion of path and query strings: a string becomes a number or boolean
// only when written exactly as one, so "1.5", "", "0x10" or " 12 " never pass as integers (as
// TypeBox's lenient Value.Convert would let them), while bodies are checked exactly as sent.
import { Type } from "typebox";
import { describe, expect, it } from "vitest";
import { convertFields, strictValidatorCompiler } from "../../src/api/validator.js";

const Query = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    ratio: Type.Optional(Type.Number()),
    hash: Type.Optional(Type.Boolean()),
    name: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

function validate(httpPart: string, data: unknown) {
  const validator = strictValidatorCompiler({ schema: Query, httpPart, method: "GET", url: "/x" });
  return validator(data) as { value?: unknown; error?: unknown[] };
}

describe("strict validator", () => {
  it("converts exactly written integers, numbers and booleans", () => {
    expect(convertFields(Query, { limit: "7", ratio: "-0.25", hash: "1", name: "12" })).toEqual({
      limit: 7,
      ratio: -0.25,
      hash: true,
      name: "12",
    });
    expect(convertFields(Query, { hash: "false" })).toEqual({ hash: false });
    expect(validate("querystring", { limit: "7" }).value).toEqual({ limit: 7 });
  });

  it("leaves anything else as text, so the check refuses it", () => {
    for (const limit of ["1.5", "", " 7", "7 ", "0x10", "1e1", "+7", "07", "seven"]) {
      expect(validate("querystring", { limit }).error, limit).toBeDefined();
    }
    for (const hash of ["yes", "TRUE", ""]) {
      expect(validate("querystring", { hash }).error, hash).toBeDefined();
    }
    expect(validate("querystring", { limit: ["1", "2"] }).error, "a repeated field").toBeDefined();
    expect(validate("querystring", { other: "1" }).error, "an unknown field").toBeDefined();
  });

  it("checks bodies as sent, with no conversion", () => {
    expect(validate("body", { limit: "7" }).error).toBeDefined();
    expect(validate("body", { limit: 7 }).value).toEqual({ limit: 7 });
    expect(validate("body", null).error).toBeDefined();
  });
});
