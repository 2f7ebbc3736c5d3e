-- Floor (b): the least a fail-closed audited read can cost: the select of floor (a) and one
-- audit row inserted in one durable transaction, written the way the server writes a read
-- (begin; select; insert; commit pipelined in one round trip, waiting for COMMIT's flush).
-- sfp_bench.audit_floor has sfp.audit_log's columns and only a primary key (no secondary
-- index, no trigger: sql/bench/floors.sql). The row holds what the credentials RPC's granted
-- row holds (the same actor, request facts and one integration id, its 32-byte hash as the
-- trigger would set it), so it is as large: the bench checks the two sizes (bench/checks.ts).
\set id random(1, 1000)
\startpipeline
begin;
select payload from sfp_bench.plain_rows where id = :id;
insert into sfp_bench.audit_floor (actor_type, actor_id, actor_email, actor_role, action, outcome,
                                   integration_ids, provider, project, ip, user_agent, request_id, row_hash)
values ('user', :owner_id::uuid, :owner_email, 'owner', 'credentials.read', 'granted',
        array[:integration_id::uuid], 'github', :project, :ip, :user_agent, :request_id,
        '\x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'::bytea);
commit;
\endpipeline
