-- Floor (a): a plain select of a stored jsonb row by key. No crypto, no audit, one statement.
-- The rows hold what a credential read answers (see sql/bench/floors.sql).
\set id random(1, 1000)
select payload from sfp_bench.plain_rows where id = :id;
