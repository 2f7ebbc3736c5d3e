/**
 * The reference page /sfp/api/docs in real headless Chromium (tests/support/chromium.ts):
 * Redoc, loaded from our own origin, renders the API's document (its title, the tags, a known
 * operation with its schema) with no request elsewhere and no console error. A full-page
 * screenshot is saved under .vitest-tmp/screenshots/ (git-ignored), its path printed.
 * Skipped, saying why, only where Chromium can neither be found nor installed.
 */
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { ensureChromium, launchOfflineChromium, type OfflineBrowser } from "../support/chromium.ts";
import { useTestStack } from "../support/test-stack.ts";

const availability = await ensureChromium();
if (!availability.ok) console.warn(`tests/http/docs-page.test.ts skipped: ${availability.reason}`);

const SCREENSHOTS = join(PROJECT_ROOT, ".vitest-tmp", "screenshots");

describe.runIf(availability.ok)("the reference page in Chromium", () => {
  const stack = useTestStack({ reset: false });
  let browser: OfflineBrowser;
  beforeAll(async () => {
    browser = await launchOfflineChromium(stack.url);
  });
  afterAll(() => browser?.close());

  it("renders the API with Redoc from our own origin, offline, without console errors; screenshot saved", async () => {
    const { page } = browser;
    const loaded: string[] = [];
    page.on("response", (response) => loaded.push(`${response.status()} ${new URL(response.url()).pathname}`));

    const response = await page.goto(`${stack.url}/sfp/api/docs`, { waitUntil: "load" });
    expect(response?.status()).toBe(200);

    // Redoc has fetched the document and rendered it: the title, operations with their schemas.
    mkdirSync(SCREENSHOTS, { recursive: true });
    try {
      await page.getByRole("heading", { name: /^sfp integrations API/ }).first().waitFor({ state: "visible", timeout: 60_000 });
      // Redoc's operation headings: h2 with the summary (and an empty share link).
      for (const summary of ["Read credentials", "Register a project", "Create an application token"]) {
        await page.locator("h2").filter({ hasText: new RegExp(`^\\s*${summary}\\s*$`) }).waitFor({ state: "visible" });
      }
    } catch (error) {
      const failed = join(SCREENSHOTS, "docs-page-failed.png");
      await page.screenshot({ path: failed, fullPage: true }).catch(() => {});
      throw new Error(
        `Redoc did not render (screenshot ${failed}); loaded: ${loaded.join(", ")}; ` +
          `console: ${browser.consoleErrors.join(" | ")}; foreign: ${browser.foreignRequests.join(", ")}; ${error}`,
      );
    }
    expect(await page.title()).toBe("sfp integrations API");
    const text = await page.locator("body").innerText();
    for (const expected of ["/sfp/api/integrations/credentials", "Who may call it:", "integration_id", "statusCode"]) {
      expect(text, expected).toContain(expected);
    }

    const screenshot = join(SCREENSHOTS, "docs-page.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(50_000);
    console.log(`screenshot of /sfp/api/docs: ${screenshot}`);

    expect(browser.foreignRequests, "requests to other origins").toEqual([]);
    expect(browser.consoleErrors, "console errors").toEqual([]);
    expect(loaded).toEqual(expect.arrayContaining(["200 /sfp/api/docs", "200 /sfp/api/docs/redoc.standalone.js", "200 /sfp/api/docs/openapi.json"]));
  }, 120_000);
});
