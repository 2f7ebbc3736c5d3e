-- The chosen scheme: verify the HMAC and decrypt the AES-256-CBC ciphertext of the same row.
\set id random(1, :rows)
select sfp._open(integration_id, 1, key_version, iv, ciphertext, mac, :keyring::jsonb)
from sfp_bench.crypto_rows where id = :id;
