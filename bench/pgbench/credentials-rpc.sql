-- The credentials RPC as the Edge Functions send it (functions/_shared/database.ts): the
-- log-safety guard and the call in one explicit transaction, the four statements pipelined
-- in one round trip. The verified claims and the key ring are bind parameters.
\startpipeline
begin;
select sfp_api.guard_log_safety();
select sfp_api.get_credentials(provider => :provider, project => :project,
                               context => :context::jsonb, keyring => :keyring::jsonb);
commit;
\endpipeline
