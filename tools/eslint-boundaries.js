// ESLint plugin `elk`: the module-boundary rule, driven by tools/boundaries.js.
import path from "node:path";
import { boundaryViolation } from "./boundaries.js";

const root = path.resolve(import.meta.dirname, "..");

/** @param {string} file */
function repoRelative(file) {
  return path.relative(root, file).split(path.sep).join("/");
}

/** @type {import("eslint").Rule.RuleModule} */
const moduleBoundaries = {
  meta: {
    type: "problem",
    docs: { description: "Imports must follow the directions of docs/ARCHITECTURE.md §2" },
    schema: [],
  },
  create(context) {
    const fromFile = repoRelative(context.filename);
    const resolveRelative = (/** @type {string} */ spec) =>
      repoRelative(path.resolve(path.dirname(context.filename), spec));
    /** @param {import("estree").Node & { source?: import("estree").Literal | null }} node */
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== "string") return;
      const why = boundaryViolation(fromFile, source, resolveRelative);
      if (why !== undefined) context.report({ node, message: why });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { "module-boundaries": moduleBoundaries } };
