import { createServices } from "../functions/_shared/start.ts";
import { createIntegrationsApp } from "../functions/integrations/app.ts";
import { createHealthApp } from "../functions/health/app.ts";
const info = JSON.parse(Deno.readTextFileSync(Deno.args[1]));
const env = JSON.parse(Deno.readTextFileSync("/tmp/inv/env.json"));
const services = createServices({
  SUPABASE_DB_URL: Deno.readTextFileSync(Deno.args[0]),
  SUPABASE_JWT_SECRET: env.secrets.jwtSecret,
  SFP_ENCRYPTION_KEYS: env.secrets.encryptionKeys,
  SFP_DB_POOL_SIZE: "8",
});
const app = createIntegrationsApp(services);
const health = createHealthApp(services);
const headers = { authorization: `Bearer ${info.token}` };
const read = () => app.fetch(new Request("http://x/integrations/credentials?provider=github&project=bench%2Fread", { headers }), { remoteAddr: "127.0.0.1" });
const auth = () => health.fetch(new Request("http://x/health/auth", { headers }), { remoteAddr: "127.0.0.1" });
for (let i = 0; i < 200; i++) { const r = await read(); await r.text(); if (r.status !== 200) throw new Error(String(r.status)); }
import { jsonb } from "../functions/_shared/database.ts";
const ctx = { claims: { sub: env.secrets.owner.id, role: "authenticated", email: env.secrets.owner.email }, ip: "127.0.0.1", request_id: crypto.randomUUID() };
const direct = async () => { const row: any = await services.db.secretQuery((sql) =>
      sql`select sfp_api.get_credentials(
            provider => ${"github"}, project => ${"bench/read"},
            context => ${jsonb(sql, ctx)}::jsonb,
            keyring => ${jsonb(sql, services.config.keyRing.sqlArgument)}::jsonb) as result`); return new Response(JSON.stringify(row.result.credentials)); };
for (const [name, f] of [["auth", auth], ["read", read], ["direct", direct], ["read", read], ["direct", direct], ["read", read], ["direct", direct]] as const) {
  const n = 1000; const t0 = performance.now();
  for (let i = 0; i < n; i++) { const r = await f(); await r.text(); }
  console.log(name, ((performance.now() - t0) / n).toFixed(3), "ms");
}
await services.db.close();
Deno.exit(0);
