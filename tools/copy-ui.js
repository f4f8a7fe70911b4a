// Part of `npm run build`: copies the console page (src/ui: browser modules, HTML, CSS, served
// as they are, no bundling) to dist/ui, where the compiled API looks for it
// (src/api/console/assets.ts). Its libraries are served from the package's dependencies.
import { cpSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const target = path.join(root, "dist", "ui");
rmSync(target, { recursive: true, force: true });
cpSync(path.join(root, "src", "ui"), target, { recursive: true });
console.log(`copied the console page to ${path.relative(root, target)}`);
