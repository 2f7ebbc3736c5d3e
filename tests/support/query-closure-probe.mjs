// Run by tests/stack/postgres-client-patch.test.ts under Deno and Node.js with
// --allow-natives-syntax: builds postgres.js queries (never sent: the client never connects)
// and prints whether the last one's resolve and reject closures are in V8's young generation.
import postgres from "postgres";

const inYoungGeneration = new Function("value", "return %InYoungGeneration(value)");
const sql = postgres("postgres://probe@127.0.0.1:1/probe", { max: 1 });
// Many queries, as a server builds them: V8 allocates the constructor's closures as it does under
// load only once the constructor has reached the tier it settles in.
let query;
for (let i = 0; i < 20000; i++) query = sql`select ${i}`;
console.log(JSON.stringify({
  resolve: inYoungGeneration(query.resolve),
  reject: inYoungGeneration(query.reject),
}));
