-- The alternative: pgp_sym_decrypt at default settings (password, s2k stretching) of the same row.
\set id random(1, :rows)
select extensions.pgp_sym_decrypt(pgp, :password) from sfp_bench.crypto_rows where id = :id;
