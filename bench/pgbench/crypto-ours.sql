-- The chosen scheme: verify the HMAC and decrypt the AES-256-CBC ciphertext of the same row.
\set id random(1, :rows)
select sfp._open(row(integration_id, 1, 'pat', key_version, iv, ciphertext, mac, now(), 2)::sfp.credential_versions,
                 :keyring::jsonb)
from sfp_bench.crypto_rows where id = :id;
