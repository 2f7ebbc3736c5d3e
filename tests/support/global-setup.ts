/**
 * Once per `npm test`: a PostgreSQL server (the embedded default in a fresh folder, or the
 * server named by TEST_DATABASE_URL), a template database made the real way (bootstrap,
 * then `supabase db push` with the real CLI), and what test files need to clone it.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { databaseUrl } from "../../stack/addresses.ts";
import { applyMigrations, bootstrapDatabase } from "../../stack/database-setup.ts";
import { startEmbeddedPostgres } from "../../stack/postgres-server.ts";
import type { ServerInfo } from "./server-info.ts";

declare module "vitest" {
  export interface ProvidedContext {
    server: ServerInfo;
  }
}

export default async function setup(project: TestProject) {
  const authenticatorPassword = randomBytes(18).toString("base64url");
  let stop = async () => {};
  let info: ServerInfo;

  if (process.env.TEST_DATABASE_URL) {
    info = {
      superuserUrl: process.env.TEST_DATABASE_URL,
      template: `sfp_test_template_${process.pid}`,
      authenticatorPassword,
      logFile: process.env.TEST_DATABASE_LOG,
      embedded: false,
    };
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), "sfp-test-"));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server = await startEmbeddedPostgres(dataDir, port, randomBytes(18).toString("base64url"));
    info = {
      superuserUrl: server.url,
      template: "sfp_test_template",
      authenticatorPassword,
      logFile: server.logFile,
      dataDir: join(dataDir, "postgres"),
      embedded: true,
    };
    stop = async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }

  const admin = postgres(info.superuserUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${info.template}`);
  await admin.unsafe(`create database ${info.template}`);
  const templateUrl = databaseUrl(info.superuserUrl, info.template);
  await bootstrapDatabase(templateUrl, authenticatorPassword);
  await applyMigrations(templateUrl);
  project.provide("server", info);

  return async () => {
    const leftovers = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like 'sfp_t\\_%' or datname = ${info.template}`;
    for (const { datname } of leftovers) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    await admin.end();
    await stop();
  };
}
