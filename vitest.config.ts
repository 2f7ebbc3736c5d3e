import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/support/global-setup.ts"],
    // One file at a time: some files change server-wide settings (ALTER SYSTEM) and read
    // the server's log, and the two cores are better spent on PostgreSQL and Deno.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 180_000,
  },
});
