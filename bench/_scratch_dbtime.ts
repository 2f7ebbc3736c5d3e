import { Database, jsonb } from "../functions/_shared/database.ts";
const url = Deno.readTextFileSync(Deno.args[0]);
const context = JSON.parse(Deno.readTextFileSync("/tmp/inv/ctx.json"));
const ring = JSON.parse(Deno.readTextFileSync("/tmp/inv/ring.json"));
const db = new Database({ databaseUrl: url, databaseRole: "service_role", poolSize: Number(Deno.env.get("POOL") ?? 1), hideParameters: true });
const read = () => db.secretQuery((sql) => sql`select sfp_api.get_credentials(provider => ${"github"}, project => ${"bench/read"},
  context => ${jsonb(sql, context)}::jsonb, keyring => ${jsonb(sql, ring)}::jsonb) as result`);
const plain = () => db.query((sql) => sql`select 1 as x`);
for (let i = 0; i < 200; i++) { await read(); await plain(); }
for (const [name, f] of [["select 1", plain], ["secretQuery read", read], ["select 1", plain], ["secretQuery read", read]] as const) {
  const n = 2000; const t0 = performance.now();
  for (let i = 0; i < n; i++) await f();
  console.log(name, ((performance.now() - t0) / n).toFixed(3), "ms");
}
await db.close();
