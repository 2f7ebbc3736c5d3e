/**
 * `npm start`'s faults, each answered by one clear line and exit code 1 (no stack trace):
 * a second start on the same data folder, a PostgreSQL that is not its own running on the
 * cluster, a busy port, a data folder it cannot write. What a killed (SIGKILL) `npm start` left
 * running is found, stopped and named by the next start. An embedded PostgreSQL that dies
 * under a running `npm start` is restarted, and the launcher says so. Real processes.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../stack/addresses.ts";
import { isAlive, postmasterPid } from "../../stack/preflight.ts";
import { startEmbeddedPostgres } from "../../stack/postgres-server.ts";
import { refusedStart, type Started, startReady, stop } from "../support/npm-start.ts";

let dataDir: string;
let ports: { port: number; dbPort: number };
const running: Started[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "sfp-faults-"));
  ports = { port: await freePort(), dbPort: await freePort() };
});
afterAll(async () => {
  for (const started of running) await stop(started);
  rmSync(dataDir, { recursive: true, force: true });
});

const options = (env: Record<string, string> = {}) => ({ dataDir, ...ports, env });

async function ready(): Promise<Started> {
  const started = await startReady(options());
  running.push(started);
  return started;
}

function launcherState(): { launcherPid: number; postgresPid: number; denoPid: number } {
  return JSON.parse(readFileSync(join(dataDir, "launcher.json"), "utf8"));
}

async function until(condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** After a stop: its PostgreSQL gone and both ports free again. */
async function settled(): Promise<void> {
  const pid = postmasterPid(join(dataDir, "postgres"));
  expect(await until(async () => !isAlive(pid) && await portFree(ports.port) && await portFree(ports.dbPort), 15_000)).toBe(true);
}

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

describe("npm start's start-up faults", () => {
  it("a second npm start on the same data folder: one line naming the running one's PID, exit 1", async () => {
    const first = await ready();
    const second = await refusedStart(options());

    expect(second.code).toBe(1);
    expect(second.stdout).toBe("");
    expect(second.stderr).toBe(`Another npm start is running on the data folder ${dataDir} (PID ${launcherState().launcherPid}): stop it first.\n`);
    expect(await stop(first)).toBe(0);
    running.pop();
    await settled();
  });

  it("a busy database port, then a busy HTTP port: one line each naming the port, exit 1", async () => {
    const blocker = await occupy(ports.dbPort);
    try {
      const refused = await refusedStart(options());
      expect({ code: refused.code, stderr: refused.stderr }).toEqual({
        code: 1,
        stderr: `Port ${ports.dbPort} (the embedded PostgreSQL, SFP_DB_PORT) is in use: stop what uses it, or choose another port.\n`,
      });
    } finally {
      blocker.close();
    }
    const httpBlocker = await occupy(ports.port);
    try {
      const refused = await refusedStart(options());
      expect({ code: refused.code, stderr: refused.stderr }).toEqual({
        code: 1,
        stderr: `Port ${ports.port} (the functions server, PORT) is in use: stop what uses it, or choose another port.\n`,
      });
    } finally {
      httpBlocker.close();
    }
  });

  it("a malformed HTTP limit: one line naming the variable and not its value, exit 1", async () => {
    const refused = await refusedStart({ ...options(), env: { SFP_HEADERS_TIMEOUT_MS: "ten-seconds" } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Invalid configuration: SFP_HEADERS_TIMEOUT_MS: [^\n]+\n$/);
    expect(refused.stderr).not.toContain("ten-seconds");
  });

  it("a data folder it cannot write: one line naming the folder, exit 1", async () => {
    const readOnly = "/sys/fs/sfp-cannot-write"; // sysfs: not writable, even for root
    const refused = await refusedStart({ ...options(), dataDir: readOnly });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(`^The data folder ${readOnly} is not writable \\([A-Z]+\\): choose another with SFP_DATA_DIR, or fix its permissions\\.\\n$`),
    );
  });

  it("a PostgreSQL that is not its own on the cluster: one line naming its PID, exit 1, and it is left running", async () => {
    const { databasePassword } = JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8"));
    const foreign = await startEmbeddedPostgres(dataDir, await freePort(), databasePassword);
    try {
      const pid = postmasterPid(join(dataDir, "postgres"));
      const refused = await refusedStart(options());
      expect({ code: refused.code, stderr: refused.stderr }).toEqual({
        code: 1,
        stderr: `Another PostgreSQL server is running on the data folder ${dataDir} (PID ${pid}): stop it first.\n`,
      });
      expect(isAlive(pid)).toBe(true);
    } finally {
      await foreign.stop();
    }
  });

  it("after a SIGKILL of npm start, the next start stops and names the PostgreSQL and Deno it left, then serves", async () => {
    const killed = await ready();
    const left = launcherState();
    process.kill(left.launcherPid, "SIGKILL"); // the launcher itself (tsx runs it as its child)
    killed.child.kill("SIGKILL");
    running.pop();
    await until(() => !isAlive(left.launcherPid), 5000);
    expect([isAlive(left.postgresPid), isAlive(left.denoPid)]).toEqual([true, true]); // orphaned, still running

    const next = await ready();
    expect(next.output.split("\n")[0]).toBe(
      `Stopped what an earlier npm start left running: PostgreSQL (PID ${left.postgresPid}) and the functions server (PID ${left.denoPid}).`,
    );
    expect([isAlive(left.postgresPid), isAlive(left.denoPid)]).toEqual([false, false]);
    const health = await fetch(`${next.values.SFP_SERVER_URL}/sfp/api/health/ready`);
    expect(health.status).toBe(200);
  });

  it("PostgreSQL killed under a running npm start is restarted, the launcher says so, and readiness returns", async () => {
    const started = running.at(-1)!;
    const base = `${started.values.SFP_SERVER_URL}/sfp/api`;
    const before = postmasterPid(join(dataDir, "postgres"))!;
    process.kill(before, "SIGKILL");

    expect(await until(() => started.output.includes("PostgreSQL is running again."), 20_000), started.output).toBe(true);
    expect(started.output).toContain("PostgreSQL exited unexpectedly; restarting it in 1 s (attempt 1 of 3).");
    expect(await until(async () => (await fetch(`${base}/health/ready`)).status === 200, 5000)).toBe(true);
    const after = postmasterPid(join(dataDir, "postgres"));
    expect(after).not.toBe(before);
    expect(launcherState().postgresPid).toBe(after);
    expect(await stop(started)).toBe(0);
    running.pop();
    await settled();
  });
});
