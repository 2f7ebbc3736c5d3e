-- Crypto baseline: the plain text of a credential row, by key.
\set id random(1, :rows)
select plain from sfp_bench.crypto_rows where id = :id;
