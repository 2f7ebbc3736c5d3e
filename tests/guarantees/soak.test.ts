/**
 * A soak (issue 10): a mixed workload, 90% credential reads with application tokens and 10%
 * writes as the owner (PATCH of an integration's config or credentials without check-and-set,
 * or a new integration), from 32 clients on loopback for a fixed time. Over the run: no error
 * (every read 200, every write 200/201; no 5xx, no network error, no timeout), one granted
 * `credentials.read` audit row per 200 read (matched by the request id each read sent), and the
 * database connections of the functions (application_name sfp-integrations: the request pool
 * of SFP_DB_POOL_SIZE lanes, plus the audit sealer's one, functions/_local/serve.ts) steady:
 * after the first 2 s never more than the pool plus the sealer, never varying by more than the
 * pool's size, and as many at the end as after warm-up (no leak).
 * Prints a one-line summary (docs quote it).
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { databaseUrl } from "../../stack/addresses.ts";
import { createIntegration, createProject } from "../support/http.ts";
import { useTestStack } from "../support/test-stack.ts";

const CLIENTS = 32;
const RUN_MS = 20_000;
const WARM_UP_MS = 2_000;
const REQUEST_TIMEOUT_MS = 5_000; // past the functions' database deadline (4 s): a hang shows as a timeout
const POOL_SIZE = 4; // SFP_DB_POOL_SIZE, its default
const SEALER_CONNECTIONS = 1; // functions/_local/serve.ts: the audit sealer's Database of poolSize 1

const stack = useTestStack({
  reset: false, // one test, on what it seeds itself (and no TRUNCATE to race the sealer)
  env: {
    // The sealer at work during the run (and connected before warm-up ends), sealing the chain
    // the reads append to.
    SFP_AUDIT_SEAL_SECONDS: "1",
    // The product's default: 32 clients from one address stay below its in-flight bound.
    SFP_REFUSED_READS_LIMIT: "60",
  },
});

interface Outcome {
  kind: "read" | "write";
  ms: number;
  /** The HTTP status, or 0 for a network error or a timeout. */
  status: number;
  requestId: string;
  problem?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

describe("a soak: 32 clients, 90% credential reads by application tokens, 10% writes", () => {
  it("answers every request, audits every granted read, and keeps its database connections steady", async () => {
    // --- The seed: projects, global and scoped integrations, application tokens, the owner's token.
    const projects = ["acme/core", "acme/web", "acme/mobile", "acme/sandbox"];
    for (const identifier of projects) await createProject(stack, identifier);
    const jiraCredentials = (n: string) => ({ base_url: "https://acme.atlassian.net", username: "ci@acme.test", api_token: `soak-${n}` });
    const seeded: { id: string; provider: "github" | "jira" }[] = [];
    const seed = async (provider: "github" | "jira", scope: Record<string, unknown>, n: string) => {
      const id = await createIntegration(stack, provider === "github"
        ? { provider, authType: "pat", credentials: { token: `ghp_soak_${n}` }, ...scope }
        : { provider, authType: "basic_auth", credentials: jiraCredentials(n), ...scope });
      seeded.push({ id, provider });
    };
    await seed("github", { isGlobal: true }, "global-github");
    await seed("jira", { isGlobal: true }, "global-jira");
    await seed("github", { projects: ["acme/core"] }, "core-github");
    await seed("jira", { projects: ["acme/web"] }, "web-jira");
    await seed("github", { projects: ["acme/web", "acme/mobile"] }, "web-mobile-github");

    const appToken = async (body: Record<string, unknown>) => {
      const response = await stack.api("POST", "/application-tokens", { token: stack.owner.token, body });
      expect(response.status, response.text).toBe(201);
      return response.body.token as string;
    };
    const everything = await appToken({ name: "soak-all" });
    const coreAndWeb = await appToken({ name: "soak-core-web", projects: ["acme/core", "acme/web"] });
    const githubOnly = await appToken({ name: "soak-github", providers: ["github"] });
    // What the readers ask, each answered 200 (a match within the token's scope).
    const reads: { token: string; query: string }[] = [
      { token: everything, query: "provider=github&project=acme/core" },
      { token: everything, query: "provider=jira&project=acme/web" },
      { token: everything, query: "project=acme/mobile" },
      { token: everything, query: "provider=jira" },
      { token: everything, query: "" },
      { token: coreAndWeb, query: "provider=github&project=acme/core" },
      { token: coreAndWeb, query: "project=acme/web" },
      { token: coreAndWeb, query: "provider=jira&project=acme/core" },
      { token: githubOnly, query: "provider=github&project=acme/mobile" },
      { token: githubOnly, query: "provider=github" },
    ];
    for (const { token, query } of reads) {
      const response = await fetch(`${stack.url}/sfp/api/integrations/credentials?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, `${query}: ${await response.text()}`).toBe(200);
    }

    // --- The connection sampler: a superuser connection of its own, under another application_name.
    const monitor = postgres(databaseUrl(stack.server.superuserUrl, stack.database), {
      max: 1,
      onnotice: () => {},
      connection: { application_name: "sfp-soak-monitor" },
    });
    const connections = async () => {
      const [{ count }] = await monitor<{ count: number }[]>`
        select count(*)::int as count from pg_stat_activity
        where datname = ${stack.database} and application_name = 'sfp-integrations'`;
      return count;
    };

    try {
      const runId = randomUUID().slice(0, 8);
      const outcomes: Outcome[] = [];
      let sequence = 0;
      const started = Date.now();
      const until = started + RUN_MS;

      const call = async (
        kind: Outcome["kind"],
        token: string,
        method: string,
        path: string,
        expected: number[],
        body?: unknown,
      ): Promise<Outcome> => {
        const requestId = `soak-${runId}-${kind}-${++sequence}`;
        const t0 = performance.now();
        try {
          const response = await fetch(`${stack.url}/sfp/api${path}`, {
            method,
            headers: {
              authorization: `Bearer ${token}`,
              "x-request-id": requestId,
              ...(body ? { "content-type": "application/json" } : {}),
            },
            body: body ? JSON.stringify(body) : undefined,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const text = await response.text();
          const outcome: Outcome = { kind, ms: performance.now() - t0, status: response.status, requestId };
          if (!expected.includes(response.status)) outcome.problem = `${method} ${path}: ${response.status} ${text.slice(0, 200)}`;
          return outcome;
        } catch (error) {
          const { name, message } = error as Error;
          return { kind, ms: performance.now() - t0, status: 0, requestId, problem: `${method} ${path}: ${name}: ${message}` };
        }
      };

      const write = (n: number): Promise<Outcome> => {
        const target = seeded[n % seeded.length];
        const choice = Math.random();
        if (choice < 0.4) {
          return call("write", stack.owner.token, "PATCH", `/integrations/${target.id}`, [200], { config: { soak: n } });
        }
        if (choice < 0.8) {
          const credentials = target.provider === "github" ? { token: `ghp_soak_${runId}_${n}` } : jiraCredentials(`${runId}-${n}`);
          return call("write", stack.owner.token, "PATCH", `/integrations/${target.id}`, [200], { credentials });
        }
        // New integrations go to a project no reader asks for, so that answers keep their size.
        return call("write", stack.owner.token, "POST", "/integrations", [201], {
          provider: "github",
          authType: "pat",
          credentials: { token: `ghp_soak_new_${runId}_${n}` },
          projects: ["acme/sandbox"],
        });
      };

      const client = async (index: number) => {
        let n = 0;
        while (Date.now() < until) {
          n++;
          let outcome: Outcome;
          if (Math.random() < 0.1) {
            outcome = await write(index * 1_000_000 + n);
          } else {
            const { token, query } = reads[Math.floor(Math.random() * reads.length)];
            outcome = await call("read", token, "GET", `/integrations/credentials${query ? `?${query}` : ""}`, [200]);
          }
          outcomes.push(outcome);
        }
      };

      const samples: { at: number; count: number }[] = [];
      let sampling = true;
      const sampler = (async () => {
        for (let second = 1; sampling && second * 1000 <= RUN_MS; second++) {
          await sleep(started + second * 1000 - Date.now());
          if (!sampling) break;
          samples.push({ at: Date.now() - started, count: await connections() });
        }
      })();

      await Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index)));
      const elapsed = Date.now() - started;
      sampling = false;
      await sampler;
      await sleep(500); // what the last requests opened or closed has settled
      const atEnd = await connections();

      // --- The figures.
      const readOutcomes = outcomes.filter((o) => o.kind === "read");
      const writeOutcomes = outcomes.filter((o) => o.kind === "write");
      const granted = readOutcomes.filter((o) => o.status === 200).map((o) => o.requestId);
      const [{ audited, distinct }] = await stack.sql<{ audited: number; distinct: number }[]>`
        select count(*)::int as audited, count(distinct request_id)::int as distinct from sfp.audit_log
        where action = 'credentials.read' and outcome = 'granted' and request_id = any (${granted}::text[])`;
      const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
      const steady = samples.filter((s) => s.at >= WARM_UP_MS);
      const counts = steady.map((s) => s.count);
      const afterWarmUp = counts[0];
      console.log(
        `soak: ${outcomes.length} requests in ${(elapsed / 1000).toFixed(1)} s from ${CLIENTS} clients ` +
          `(${readOutcomes.length} reads, ${writeOutcomes.length} writes), ` +
          `${Math.round(outcomes.length / (elapsed / 1000))} req/s, ` +
          `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
          `max ${latencies.at(-1)?.toFixed(1)} ms; ${outcomes.filter((o) => o.problem).length} errors; ` +
          `${audited} granted-read audit rows for ${granted.length} 200 reads; ` +
          `sfp-integrations connections per second [${samples.map((s) => s.count).join(",")}], ` +
          `${afterWarmUp} after warm-up, ${atEnd} at the end (pool ${POOL_SIZE} + sealer ${SEALER_CONNECTIONS})`,
      );

      // --- The properties.
      expect(readOutcomes.length).toBeGreaterThan(1000);
      expect(writeOutcomes.length).toBeGreaterThan(50);
      // No errors: every read 200, every write 200/201; no 5xx, network error or timeout.
      const problems = outcomes.filter((o) => o.problem).map((o) => `${o.requestId} after ${o.ms.toFixed(0)} ms: ${o.problem}`);
      expect(problems.slice(0, 20), `${problems.length} errors`).toEqual([]);
      // Every 200 read has exactly one granted credentials.read row, under its own request id.
      expect({ audited, distinct }).toEqual({ audited: granted.length, distinct: granted.length });
      // The connections: bounded, steady, and no leak.
      expect(steady.length).toBeGreaterThanOrEqual(Math.floor((RUN_MS - WARM_UP_MS) / 1000) - 1);
      expect(Math.max(...counts)).toBeLessThanOrEqual(POOL_SIZE + SEALER_CONNECTIONS);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(POOL_SIZE);
      expect(atEnd).toBe(afterWarmUp);
    } finally {
      await monitor.end();
    }
  }, 60_000);
});
