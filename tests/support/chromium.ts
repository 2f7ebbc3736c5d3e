/**
 * Real headless Chromium for the tests that look at a page: Debian's /usr/bin/chromium (or
 * $CHROMIUM_PATH), driven by playwright-core over its pipe, with a fresh user-data folder, and
 * offline: every request that is not to the allowed origin is aborted and recorded, so that a
 * test can fail on it (the machine has no network, and a page must not need one).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const run = promisify(execFile);

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Debian's package providing /usr/bin/chromium. */
const PACKAGE = "chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export type Availability = { ok: true } | { ok: false; reason: string };

/**
 * Makes sure Chromium is installed: as root on Linux, installs Debian's `chromium` with apt-get
 * when it is missing (running `apt-get update` first when the install fails). Says why not when
 * it cannot be had.
 */
export async function ensureChromium(): Promise<Availability> {
  if (existsSync(CHROMIUM)) return { ok: true };
  if (CHROMIUM !== "/usr/bin/chromium") return { ok: false, reason: `CHROMIUM_PATH=${CHROMIUM} does not exist` };
  if (process.platform !== "linux" || userInfo().uid !== 0) {
    return { ok: false, reason: `${CHROMIUM} is not installed, and installing ${PACKAGE} needs root (apt-get)` };
  }
  const install = () =>
    run("apt-get", ["install", "-y", "--no-install-recommends", PACKAGE], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      maxBuffer: 64 * 1024 * 1024,
    });
  try {
    await install();
  } catch {
    try {
      await run("apt-get", ["update"], { maxBuffer: 64 * 1024 * 1024 });
      await install();
    } catch (error) {
      const text = String((error as { stderr?: string }).stderr ?? error).trim().split("\n").slice(-3).join(" ");
      return { ok: false, reason: `apt-get could not install ${PACKAGE}: ${text}` };
    }
  }
  return existsSync(CHROMIUM) ? { ok: true } : { ok: false, reason: `${CHROMIUM} still missing after apt-get install ${PACKAGE}` };
}

export interface OfflineBrowser {
  context: BrowserContext;
  page: Page;
  /** Every request the page tried to make elsewhere than the allowed origin (each aborted). */
  foreignRequests: string[];
  /** The console's errors and the page's uncaught exceptions, as text. */
  consoleErrors: string[];
  /** Closes Chromium and removes its user-data folder. */
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a fresh user-data folder and one page, which may reach `origin`
 * only: any other request is aborted and recorded in `foreignRequests`.
 */
export async function launchOfflineChromium(
  origin: string,
  { viewport = { width: 1280, height: 900 } }: { viewport?: { width: number; height: number } } = {},
): Promise<OfflineBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), "sfp-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport,
      serviceWorkers: "block",
      timeout: 60_000,
    });
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  const allowed = new URL(origin).origin;
  const foreignRequests: string[] = [];
  const consoleErrors: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || url.startsWith("blob:") || new URL(url).origin === allowed) return route.continue();
    foreignRequests.push(url);
    return route.abort("blockedbyclient");
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(`console.error: ${message.text()}`);
  });
  page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
  return {
    context,
    page,
    foreignRequests,
    consoleErrors,
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
