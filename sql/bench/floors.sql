-- Fixtures of `npm run bench` (never part of a deployment): the tables its floors and its
-- crypto comparison read, in a schema of their own in the bench's throwaway database.
-- Applied as superuser, after the migrations.

create schema sfp_bench;

-- Floor (a) and (b) read a stored jsonb row by key: the same bytes a credential read
-- answers (one GitHub PAT with its metadata), but stored in clear, with nothing to check.
create table sfp_bench.plain_rows (
  id integer primary key,
  payload jsonb not null
);
insert into sfp_bench.plain_rows (id, payload)
select g, jsonb_build_object(
  'outcome', 'granted',
  'credentials', jsonb_build_array(jsonb_build_object(
    'integration_id', gen_random_uuid(),
    'provider', 'github',
    'auth_type', 'pat',
    'credentials', jsonb_build_object('token', 'ghp_' || left(md5(g::text) || md5((g + 1)::text), 36)))))
from generate_series(1, 1000) as g;

-- Floor (b) inserts one row per read into a table shaped like the audit log (same columns,
-- defaults, identity and check constraints, so a row of the same size), with only its primary
-- key: the least a durable audit row can cost. What sfp.audit_log adds on top (its secondary
-- indexes, the row-hash trigger of the tamper-evident chain) is the product's own cost, and
-- shows in the RPC's ratio to this floor.
create table sfp_bench.audit_floor (
  like sfp.audit_log including defaults including identity including constraints
);
alter table sfp_bench.audit_floor add primary key (id);

-- The crypto comparison: each row holds one credential three ways: in clear, sealed by the
-- chosen scheme (bound to the row's integration_id and version 1), and pgp_sym_encrypt'ed
-- with a password at default settings. Filled by crypto-rows.sql.
create table sfp_bench.crypto_rows (
  id integer primary key,
  integration_id uuid not null,
  plain text not null,
  key_version integer,
  iv bytea,
  ciphertext bytea,
  mac bytea,
  pgp bytea
);
