/**
 * Transactions opened the way PostgREST opens them: logged in as `authenticator`, then in
 * one statement the role and the request's JWT claims, method, path and headers set
 * transaction-locally with set_config(..., true); then the call. Nothing survives the
 * transaction, so one connection serves every actor.
 */
import postgres from "postgres";
import { afterAll, beforeAll } from "vitest";
import { databaseUrl } from "../../stack/addresses.ts";
import { startedHandle } from "./started-handle.ts";
import type { TestStack } from "./test-stack.ts";

export type ApiRole = "anon" | "authenticated" | "service_role";

export interface PostgrestRequest {
  role: ApiRole;
  claims?: Record<string, unknown>;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
}

export function connectAsAuthenticator(stack: TestStack): postgres.Sql {
  return postgres(
    databaseUrl(stack.server.superuserUrl, stack.database, {
      name: "authenticator",
      password: stack.server.authenticatorPassword,
    }),
    { max: 1, onnotice: () => {} },
  );
}

/**
 * A connection as `authenticator` to the stack of useTestStack, for a whole test file: opened
 * once the stack exists, ended before it stops (call this after useTestStack). Returns a
 * handle that stands for the connection.
 */
export function useAuthenticator(stack: TestStack): postgres.Sql {
  let api: postgres.Sql | undefined;
  beforeAll(() => {
    api = connectAsAuthenticator(stack);
  });
  afterAll(() => api?.end());
  return startedHandle("the authenticator connection", () => api);
}

export async function asPostgrest<T>(
  sql: postgres.Sql,
  request: PostgrestRequest,
  run: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  const claims = request.claims ?? { role: request.role };
  return (await sql.begin(async (tx) => {
    await tx`select
      set_config('role', ${request.role}, true),
      set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
      set_config('request.method', ${request.method ?? "POST"}, true),
      set_config('request.path', ${request.path ?? "/rpc"}, true),
      set_config('request.headers', ${JSON.stringify(request.headers ?? {})}, true)`;
    return run(tx);
  })) as T;
}
