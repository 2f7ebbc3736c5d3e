/**
 * `npm run audit:verify`: seals what has committed, then re-walks the audit log's hash chain
 * and reports the first broken row (exit code 1), or the chain's head hash, worth recording
 * somewhere else: it proves later that nobody rewrote the log since.
 */
import type postgres from "postgres";
import { withNeededKeys } from "../functions/_shared/keyring.ts";
import { connectAsService, keyRing, reason } from "./connection.ts";

interface Verification {
  ok: boolean;
  checked: number;
  unsealed: number;
  head_seq: number;
  head_hash: string;
  checkpoints: { checked: number; latest_seq: number | null } | null;
  first_broken: { seq: number; audit_id: number | null; reason: string } | null;
}

async function main() {
  const sql = connectAsService();
  try {
    // With the key ring (behind the log guard), so that the keyed checkpoints are checked too.
    const result = await withNeededKeys(keyRing(), async (keyring) => {
      const [, [row]] = await sql.begin((tx) => [
        tx`select sfp_api.guard_log_safety()`,
        tx<{ result: Verification }[]>`select sfp_api.verify_audit_log(
          keyring => ${tx.json(keyring as unknown as postgres.JSONValue)}::jsonb) as result`,
      ]);
      return row.result;
    });
    if (result.ok) {
      console.log(`Audit log intact: ${result.checked} row(s) checked; head ${result.head_seq} ${result.head_hash}.`);
      console.log(`${result.checkpoints?.checked ?? 0} keyed checkpoint(s) hold (the newest at ${result.checkpoints?.latest_seq ?? "none"}).`);
      if (result.unsealed > 0) console.log(`${result.unsealed} row(s) not sealed yet (not covered).`);
    } else {
      const broken = result.first_broken!;
      const row = broken.audit_id === null ? "" : ` (audit row ${broken.audit_id})`; // a cut tail has no row left
      console.log(`Audit log BROKEN at chain position ${broken.seq}${row}: ${broken.reason}.`);
      console.log(`${result.checked} row(s) before it are intact.`);
      process.exitCode = 1;
    }
  } catch (error) {
    console.error(`Audit verification failed: ${reason(error)}`);
    process.exitCode = 2;
  } finally {
    await sql.end();
  }
}

main();
