#!/usr/bin/env node
/**
 * The `elk-coordinator` executable (package.json "bin" → dist/cli/main.js; from source:
 * `npx tsx src/cli/main.ts`). See ./program.ts for the commands.
 */
import { runCli } from "./program.js";

process.exitCode = await runCli(process.argv.slice(2));
