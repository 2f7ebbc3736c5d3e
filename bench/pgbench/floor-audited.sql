-- Floor (b): the least a fail-closed audited read can cost: the select of floor (a) and one
-- audit-sized insert in one durable transaction, written the way the server writes a read
-- (begin; select; insert; commit pipelined in one round trip, waiting for COMMIT's flush).
-- The row is as large as a real one, its 32-byte hash included.
\set id random(1, 1000)
\startpipeline
begin;
select payload from sfp_bench.plain_rows where id = :id;
insert into sfp_bench.audit_floor (actor_type, actor_id, actor_email, actor_role, action, outcome,
                                   integration_ids, provider, project, request_id, row_hash)
values ('user', :owner_id::uuid, :owner_email, 'owner', 'credentials.read', 'granted',
        array[:integration_id::uuid], 'github', :project, 'bench',
        '\x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'::bytea);
commit;
\endpipeline
