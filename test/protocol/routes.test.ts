// Proves the protocol table keeps the API's rules by construction: one route per method and path;
// every object of every schema refuses unknown fields; every integer a client sends is bounded on
// both sides and every string a client sends has a length bound or a pattern; writes take a body
// schema; and Nullable gives JSON Schema type lists that accept exactly the value or null.
import { Type } from "typebox";
import { Compile } from "typebox/compile";
import { describe, expect, it } from "vitest";
import { Nullable, ROUTES } from "../../src/protocol/index.js";
import type { RouteSpec } from "../../src/protocol/index.js";

interface Schema {
  readonly type?: string | readonly string[];
  readonly properties?: Record<string, Schema>;
  readonly patternProperties?: Record<string, Schema>;
  readonly items?: Schema;
  readonly additionalProperties?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
}

/** Every sub-schema of `schema` with its path. */
function walk(schema: Schema, path: string): [string, Schema][] {
  const children = [
    ...Object.entries(schema.properties ?? {}).map(([k, s]): [string, Schema] => [
      `${path}.${k}`,
      s,
    ]),
    ...Object.entries(schema.patternProperties ?? {}).map(([k, s]): [string, Schema] => [
      `${path}[${k}]`,
      s,
    ]),
    ...(schema.items === undefined ? [] : [[`${path}[]`, schema.items] as [string, Schema]]),
  ];
  return [[path, schema], ...children.flatMap(([p, s]) => walk(s, p))];
}

const types = (schema: Schema) => (Array.isArray(schema.type) ? schema.type : [schema.type]);
const routes: [string, RouteSpec][] = Object.entries(ROUTES);

describe("the route table", () => {
  it("has one route per method and path", () => {
    const keys = routes.map(([, spec]) => `${spec.method} ${spec.url}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("refuses unknown fields in every object, request and response", () => {
    for (const [name, spec] of routes) {
      const parts = {
        params: spec.params,
        querystring: spec.querystring,
        body: spec.body,
        response: spec.response,
      };
      for (const [part, schema] of Object.entries(parts)) {
        if (schema === undefined) continue;
        for (const [path, sub] of walk(schema as Schema, `${name}.${part}`)) {
          if (types(sub).includes("object") && sub.patternProperties === undefined) {
            expect(sub.additionalProperties, path).toBe(false);
          }
        }
      }
    }
  });

  it("bounds every integer and string a client sends", () => {
    for (const [name, spec] of routes) {
      for (const [part, schema] of Object.entries({
        params: spec.params,
        querystring: spec.querystring,
        body: spec.body,
      })) {
        if (schema === undefined) continue;
        for (const [path, sub] of walk(schema as Schema, `${name}.${part}`)) {
          if (types(sub).includes("integer")) {
            expect(sub.minimum, path).toBeTypeOf("number");
            expect(sub.maximum, path).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
          }
          if (types(sub).includes("string") && sub.enum === undefined && sub.const === undefined) {
            expect(sub.maxLength ?? sub.pattern, path).toBeDefined();
          }
        }
      }
    }
  });

  it("gives every write and POST a body schema (an absent body counts as {})", () => {
    for (const [name, spec] of routes) {
      if (spec.method !== "GET") expect("body" in spec, name).toBe(true);
    }
  });
});

describe("Nullable", () => {
  it("accepts exactly the value or null", () => {
    const check = Compile(Type.Object({ n: Nullable(Type.Integer({ minimum: 0 })) }));
    expect(check.Check({ n: null })).toBe(true);
    expect(check.Check({ n: 3 })).toBe(true);
    expect(check.Check({ n: -1 })).toBe(false);
    expect(check.Check({ n: "3" })).toBe(false);
    expect(() => Nullable(Type.Union([Type.String(), Type.Number()]))).toThrow(/one type/);
  });
});
