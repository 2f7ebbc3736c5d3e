-- Fills sfp_bench.crypto_rows with $1 credentials, each stored in clear, sealed with
-- sfp._seal (bound to its row) and encrypted with pgp_sym_encrypt at default settings.
-- The key ring and the password come from transaction-local settings (sfp.keyring,
-- sfp_bench.password) set with bind parameters: neither appears in statement text.
insert into sfp_bench.crypto_rows (id, integration_id, plain, key_version, iv, ciphertext, mac, pgp)
select r.id, r.integration_id, r.plain, s.key_version, s.iv, s.ciphertext, s.mac,
       extensions.pgp_sym_encrypt(r.plain, current_setting('sfp_bench.password'))
from (
  select g as id, gen_random_uuid() as integration_id,
         jsonb_build_object('token', 'ghp_' || left(md5(g::text) || md5((g + 7)::text), 36))::text as plain
  from generate_series(1, $1::integer) as g
) as r
cross join lateral sfp._seal(r.integration_id, 1, 'pat', r.plain::jsonb, current_setting('sfp.keyring')::jsonb) as s;
