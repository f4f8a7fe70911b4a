// Lint: typescript-eslint, the module-boundary rule (tools/boundaries.js) and purity of the
// deterministic core (DESIGN.md §2: no clocks, timers, randomness or process in pure modules).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";
import { BOUNDARIES, PURE_GLOBALS } from "./tools/boundaries.js";
import elk from "./tools/eslint-boundaries.js";

const pureFolders = Object.entries(BOUNDARIES)
  .filter(([, rule]) => rule.pure === true)
  .flatMap(([name]) => [`src/${name}/**/*.ts`, `src/${name}.ts`]);

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "dist/**",
      "coverage/**",
      "artifacts/**",
      ".elk-*/**",
      ".stryker-tmp/**",
      "reports/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    // Tests index arrays they just built; `!` there states a fact, not a hope.
    files: ["test/**/*.ts", "bench/**/*.ts", "chaos/**/*.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    files: ["**/*.js"],
    languageOptions: { globals: { console: "readonly", process: "readonly" } },
  },
  {
    // The console page's modules run in the browser (served at /ui, see src/api/console/assets.ts).
    files: ["src/ui/**/*.js"],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ["src/**/*.ts"],
    plugins: { elk },
    rules: { "elk/module-boundaries": "error" },
  },
  {
    files: pureFolders,
    rules: {
      "no-restricted-globals": [
        "error",
        ...PURE_GLOBALS.map((name) => ({
          name,
          message: "Pure modules take time, randomness and I/O as inputs (DESIGN.md §2).",
        })),
      ],
      "no-restricted-properties": [
        "error",
        {
          object: "Math",
          property: "random",
          message: "Use the injected Prng (src/util/prng.ts).",
        },
        { object: "globalThis", message: "Pure modules may not reach for globals." },
      ],
    },
  },
);
