/**
 * The schema compiler of the API: TypeBox's compiled checks (as @fastify/type-provider-typebox
 * uses them), with a STRICT conversion of path and query strings. TypeBox's own `Value.Convert`
 * is lenient — it turns "1.5" into 1, "" into 0 and "0x10" into 16 — which would let a
 * non-integer id through; here a string becomes a number only when it is written as one, so
 * `/partitions/p/1.5/complete` fails validation instead of acting on partition 1.
 */
import type { FastifySchemaCompiler, FastifySchemaValidationError } from "fastify";
import type { TSchema } from "typebox";
import { Compile } from "typebox/compile";

const INTEGER_TEXT = /^-?(0|[1-9][0-9]{0,19})$/;
const NUMBER_TEXT = /^-?(0|[1-9][0-9]{0,19})(\.[0-9]{1,20})?$/;
const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  "1": true,
  false: false,
  "0": false,
};

/** Compiles a route's schema; bodies are checked as sent, params and queries converted first. */
export const strictValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const compiled = Compile(schema);
  return (data: unknown) => {
    const value = httpPart === "body" ? data : convertFields(schema, data);
    if (compiled.Check(value)) return { value };
    return { error: [...compiled.Errors(value)] as FastifySchemaValidationError[] };
  };
};

/**
 * A copy of the flat string record `data` (path params, query) with each field that the object
 * schema types as integer, number or boolean converted when its text is exactly that; anything
 * else is left for the check to refuse.
 */
export function convertFields(schema: TSchema, data: unknown): unknown {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return data;
  const properties = (schema as { readonly properties?: Record<string, { type?: unknown }> })
    .properties;
  const converted: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(data as Record<string, unknown>)) {
    const type =
      properties !== undefined && Object.hasOwn(properties, name)
        ? properties[name]?.type
        : undefined;
    converted[name] = typeof text === "string" ? convertText(text, type) : text;
  }
  return converted;
}

function convertText(text: string, type: unknown): unknown {
  if (type === "integer" && INTEGER_TEXT.test(text)) return Number(text);
  if (type === "number" && NUMBER_TEXT.test(text)) return Number(text);
  if (type === "boolean" && Object.hasOwn(BOOLEANS, text)) return BOOLEANS[text];
  return text;
}
