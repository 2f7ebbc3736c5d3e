import { Database, jsonb } from "../functions/_shared/database.ts";
const url = Deno.readTextFileSync(Deno.args[0]);
const context = JSON.parse(Deno.readTextFileSync("/tmp/inv/ctx.json"));
const ring = JSON.parse(Deno.readTextFileSync("/tmp/inv/ring.json"));
const db = new Database({ databaseUrl: url, databaseRole: "service_role", poolSize: 8, hideParameters: true });
Deno.serve({ port: 41999, hostname: "127.0.0.1" }, async (req) => {
  const p = new URL(req.url).pathname;
  if (p === "/one") {
    const r = await db.query((sql) => sql`select 1 as x`);
    return Response.json(r);
  }
  if (p === "/read") {
    const r = await db.secretQuery((sql) => sql`select sfp_api.get_credentials(provider => ${"github"}, project => ${"bench/read"},
      context => ${jsonb(sql, context)}::jsonb, keyring => ${jsonb(sql, ring)}::jsonb) as result`);
    return Response.json(r);
  }
  return new Response("ok");
});
