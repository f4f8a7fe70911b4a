// Test helper (not a test): Debian's Chromium driven by playwright-core, headless, with a fresh
// profile per launch. `playwright install` is not used: CI installs the `chromium` package.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Where tests write screenshots (git-ignored). */
export const ARTIFACTS = path.resolve(import.meta.dirname, "../../artifacts/console");

/** A launched browser (its one context) and how to close it (and remove its profile). */
export async function launchChromium(): Promise<{
  browser: BrowserContext;
  close(): Promise<void>;
}> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  }
  const profile = await mkdtemp(path.join(os.tmpdir(), "elk-chromium-"));
  // playwright takes the fresh profile as a persistent context's directory (--user-data-dir).
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1280, height: 900 },
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
