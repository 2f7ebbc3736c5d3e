import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { redact, runChild } from "./processes.ts";
import type { LoadResult } from "./stats.ts";

/**
 * Runs wrk against one URL: a warm-up run whose figures are dropped, then the measured run,
 * with `-t1 -c<N> --latency`. The bearer token goes into a Lua script file (mode 0600 in the
 * bench's temporary folder) rather than onto the command line, where `ps` would show it.
 */
export interface WrkRun {
  name: string;
  url: string;
  clients: number;
  token: string;
  warmup: number;
  seconds: number;
  workDir: string;
}

export async function runWrk(wrk: string, run: WrkRun): Promise<LoadResult> {
  const script = join(run.workDir, `${run.name.replace(/[^A-Za-z0-9_-]/g, "_")}.lua`);
  writeFileSync(script, `wrk.headers["Authorization"] = "Bearer ${run.token}"\n`, { mode: 0o600 });
  if (run.warmup > 0) await once(wrk, run, script, run.warmup);
  return parseWrk(await once(wrk, run, script, run.seconds), run);
}

async function once(wrk: string, run: WrkRun, script: string, seconds: number): Promise<string> {
  const args = ["-t1", `-c${run.clients}`, `-d${Math.ceil(seconds)}s`, "--latency", "-s", script, run.url];
  const result = await runChild(wrk, args, { PATH: process.env.PATH });
  if (result.code !== 0) {
    throw new Error(`wrk ${run.name} (${run.clients} clients) exited with ${result.code}:\n${
      redact(result.stderr + result.stdout, [run.token])
    }`);
  }
  return result.stdout;
}

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function duration(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`wrk: cannot read the duration ${JSON.stringify(text)}`);
  return Number(match[1]) * UNITS[match[2]];
}

/**
 * Reads wrk's report. Any non-2xx answer or socket error makes the run fail: a benchmark of
 * errors measures nothing.
 */
export function parseWrk(output: string, run: Pick<WrkRun, "name" | "clients">): LoadResult {
  const label = `wrk ${run.name} (${run.clients} clients)`;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p50 = /^\s+50%\s+(\S+)$/m.exec(output);
  const p99 = /^\s+99%\s+(\S+)$/m.exec(output);
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(output);
  if (!rps || !p50 || !p99 || !total) throw new Error(`${label}: unexpected output:\n${output}`);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (non2xx) throw new Error(`${label}: ${non2xx[1]} answers were not 2xx`);
  const socketErrors = /Socket errors: (.*)/.exec(output);
  if (socketErrors) throw new Error(`${label}: socket errors (${socketErrors[1]})`);
  return {
    tps: Number(rps[1]),
    p50Ms: duration(p50[1]),
    p99Ms: duration(p99[1]),
    count: Number(total[1]),
    seconds: duration(total[2] + total[3]) / 1000,
  };
}
