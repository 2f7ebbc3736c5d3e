import { readFileSync, statSync } from "node:fs";

/**
 * The PostgreSQL server's log, read from a position on: tests note where the log ends,
 * act, then read only what their actions added.
 */
export class ServerLog {
  constructor(readonly file: string | undefined) {}

  get readable(): boolean {
    return this.file !== undefined;
  }

  mark(): number {
    return this.file ? statSync(this.file).size : 0;
  }

  /** What was written after `mark`, once the server had a moment to flush it. */
  async since(mark: number): Promise<string> {
    if (!this.file) throw new Error("the server log is not readable here (set TEST_DATABASE_LOG)");
    await new Promise((resolve) => setTimeout(resolve, 500));
    return readFileSync(this.file).subarray(mark).toString("utf8");
  }
}
