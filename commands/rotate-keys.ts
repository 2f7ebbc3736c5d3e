/**
 * `npm run keys:rotate`: re-encrypts every stored credential version under the key ring's
 * current key, in batches (each its own short transaction, behind the log-safety guard),
 * with a progress bar and a final count. Reads and writes go on meanwhile. Interrupted, it
 * loses nothing: run it again and it carries on. Afterwards it says which key versions are
 * still in use, so an old key can be retired once none needs it.
 *
 * Rotating: add a new key version to SFP_ENCRYPTION_KEYS (keep the old ones), restart the
 * server (new writes use the new key), run this, then remove the old key.
 */
import type postgres from "postgres";
import { withNeededKeys } from "../functions/_shared/keyring.ts";
import { connectAsService, keyRing, reason } from "./connection.ts";

const batchSize = Number(process.env.SFP_ROTATE_BATCH_SIZE ?? 100);

interface Batch {
  rewrapped: number;
  remaining: number;
  current_key_version: number;
}

function bar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`;
}

async function main() {
  let sql: ReturnType<typeof connectAsService> | undefined;
  try {
    const ring = keyRing();
    sql = connectAsService();
    let done = 0;
    for (;;) {
      // The current key, and the old versions the batch meets (it asks for them: SFK03).
      const batch = await withNeededKeys(ring, async (keyring) => {
        const [, [row]] = await sql!.begin((tx) => [
          tx`select sfp_api.guard_log_safety()`,
          tx<{ batch: Batch }[]>`select sfp_api.rewrap_credentials(batch_size => ${batchSize},
            keyring => ${tx.json(keyring as unknown as postgres.JSONValue)}::jsonb) as batch`,
        ]);
        return row.batch;
      });
      done += batch.rewrapped;
      // The total grows if rows are written under an old key meanwhile (a server still on the old ring).
      const line = `Re-encrypting under key version ${batch.current_key_version} ${bar(done, done + batch.remaining)}`;
      process.stdout.write(process.stdout.isTTY ? `\r${line}` : `${line}\n`);
      if (batch.remaining === 0) break;
      if (batch.rewrapped === 0) {
        // Everything left is locked by concurrent work right now: try again shortly.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    if (process.stdout.isTTY) process.stdout.write("\n");
    console.log(`Done: ${done} credential version(s) re-encrypted under key version ${ring.current}.`);

    const [{ versions }] = await sql<{ versions: { key_version: number; rows: number; available: boolean }[] }[]>`
      select sfp_api.key_versions_in_use(available_versions => ${ring.versions}::integer[]) as versions`;
    for (const v of versions) console.log(`Key version ${v.key_version}: ${v.rows} credential version(s).`);
    const retirable = ring.versions.filter((version) =>
      version !== ring.current && !versions.some((v) => v.key_version === version)
    );
    if (retirable.length) console.log(`No stored credential needs key version(s) ${retirable.join(", ")}: they can be retired.`);
  } catch (error) {
    console.error(`\nKey rotation stopped: ${reason(error)}`);
    process.exitCode = 1;
  } finally {
    await sql?.end();
  }
}

main();
