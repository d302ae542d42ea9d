/* store_pg_schema.h - the PostgreSQL fleet store's schema, as numbered
 * migrations (the SQLite one is store_schema.h). Entry N brings
 * apikey.meta.version N to N + 1. Only `apikeyctl fleet init|migrate`
 * (apikeyctl/fleet_migrate.c) runs them, as the database's owner, in one
 * transaction with a short lock timeout; a daemon only reads
 * apikey.meta.version and refuses a version above STORE_PG_SCHEMA_VERSION.
 * Never edit a released entry; append one.
 *
 * The trust model (SECURITY.md, "Fleet store (PostgreSQL)") is enforced
 * here, by PostgreSQL: every host is one LOGIN role, a member of
 * apikey_host, whose grants and row-level security policies (FORCEd, so
 * they bind the tables' owner too) let it see and change only the rows of
 * its scopes; fleet admins are members of apikey_admin.
 *
 * For the daemon (apikeyd/store_pg*.c), what its queries must know:
 *  - Column names are SQLite's (store_schema.h); INTEGER is bigint, BLOB
 *    bytea, booleans are 0/1 bigints, so rowmac.c serialises the same.
 *    audit's column "user" is a reserved word in PostgreSQL: quote it.
 *  - keys.scope: a group name, or 'host:NAME' for a key made through a
 *    host in no group. A key created through a host gets
 *    apikey.host_default_scope(apikey.current_host()) and
 *    created_host = apikey.current_host(); the INSERT policy refuses any
 *    other scope, another created_host or a hash_key other than 'fleet'.
 *  - keys.hash_key says which secret keyed the key's hash AND its row MAC:
 *    'fleet' (the fleet's shared hash key, the same file on every host) or
 *    'host:NAME' (a key imported by `apikeyctl fleet import` from NAME's
 *    SQLite store: its hash and MAC were made with NAME's own hash.key,
 *    which never leaves NAME). The daemon looks the secret up by this
 *    value: its own hash.key for 'host:<its own name>', the fleet key for
 *    'fleet', and refuses (never tries another secret) otherwise.
 *  - The audit chain stays per host: audit rows have host = the writer
 *    (default apikey.current_host()), primary key (host, seq), and the
 *    chain key stays derived from each host's own hash.key, so an imported
 *    chain goes on where the SQLite one stopped. Hosts INSERT only their
 *    own rows and SELECT every host's (verify checks every chain); UPDATE,
 *    DELETE and TRUNCATE are refused (no grant, and a trigger); retention
 *    is an admin's DELETE.
 *  - The fleet's secret (hash_key 'fleet') is fleet.key, made by
 *    `apikeyctl fleet init --key-file PATH` (32 bytes, hash.key's format)
 *    and copied to every host by the admin; the database never holds it.
 *  - Uses: UPDATE apikey.keys SET use_count = use_count + 1, last_used_* =
 *    ..., mac = ... WHERE id = $1 AND (max_uses = 0 OR use_count <
 *    max_uses) RETURNING use_count, under RLS: exact across hosts, one
 *    statement. A host can UPDATE only KEY_HOST_UPDATABLE columns (never
 *    hash, kind, owner_*, scope, hash_key, created_*); use_count never goes
 *    down and orphaned_at is never cleared (a trigger, fired only then).
 *  - wrong_host: a host sees no key outside its scopes;
 *    apikey.key_out_of_scope(id, hash) (SECURITY DEFINER) says whether
 *    the key exists in the fleet, outside the caller's scopes, with that
 *    fleet hash (or is host-hashed, so the caller cannot check it).
 *  - Unique conflicts (keys.id, service_ids.name, one classic key per
 *    user per scope) span the whole fleet; the classic one is per scope.
 *  - Any host role may LISTEN and NOTIFY on any channel (PostgreSQL has no
 *    grant for it): a notification's payload is a hint to re-read, never a
 *    fact to act on.
 *  - A host role has at most STORE_PG_HOST_CONNECTIONS connections. */
#ifndef APIKEYD_STORE_PG_SCHEMA_H
#define APIKEYD_STORE_PG_SCHEMA_H

#define STORE_PG_SCHEMA_VERSION 2
#define STORE_PG_SCHEMA "apikey"
#define STORE_PG_HOST_ROLE "apikey_host"
#define STORE_PG_ADMIN_ROLE "apikey_admin"
/* A host role's connections: a daemon needs a few (its threads, a
 * reconnection overlapping the old one); root on one host must not use up
 * the server's max_connections and lock every other host out. An admin may
 * raise it (ALTER ROLE ... CONNECTION LIMIT). */
#define STORE_PG_HOST_CONNECTIONS "16"
/* How long init/migrate waits for a lock before it gives up (SET LOCAL). */
#define STORE_PG_LOCK_TIMEOUT "5s"

/* The key columns a host role may UPDATE (a column-level grant). */
#define KEY_HOST_UPDATABLE                                                                                      \
        "name, description, state, last_used_at, last_used_from, last_used_service, use_count, expires_at, "  \
        "locked, services, sources, max_uses, leak_action, rotated_to, retires, disabled_by, locked_by, "      \
        "orphaned_at, mac"
#define SID_HOST_UPDATABLE "description, unix_user, unix_uid, locked, mac"

/* Run before the migrations, in their transaction: the schema and its
 * version table exist, and the version table is locked, so that two
 * migrators (or a migrator and a daemon reading the version) take turns;
 * the lock waits at most STORE_PG_LOCK_TIMEOUT. Two first inits at once
 * would race to create the schema: an advisory lock (this database's, held
 * to the end of the transaction) orders them. */
#define STORE_PG_MIGRATION_LOCK "SELECT pg_advisory_xact_lock(4710471047104711);"
#define STORE_PG_BOOTSTRAP                                                                                     \
        STORE_PG_MIGRATION_LOCK                                                                                \
        "CREATE SCHEMA IF NOT EXISTS apikey;"                                                                  \
        "CREATE TABLE IF NOT EXISTS apikey.meta (version int NOT NULL);"                                       \
        "LOCK TABLE apikey.meta IN ACCESS EXCLUSIVE MODE;"                                                     \
        "INSERT INTO apikey.meta (version) SELECT 0 WHERE NOT EXISTS (SELECT FROM apikey.meta);"

/* Names: hosts and groups are words of letters, digits, '.', '_', '-'
 * (no ':', so 'host:NAME' never is a group). */
#define PG_NAME_RE "'^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'"

static const char *const store_pg_migrations[STORE_PG_SCHEMA_VERSION] = {
        /* 1: apikeyd 0.2.0, the fleet store: SQLite's six migrations, hosts,
         * groups, scopes, per-host audit chains, roles and policies. */

        /* The roles (cluster-wide): created once, and refused when someone
         * gave them powers they must not have. */
        "DO $$ BEGIN"
        "  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'apikey_host') THEN"
        "    CREATE ROLE apikey_host NOLOGIN NOINHERIT;"
        "  END IF;"
        "  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'apikey_admin') THEN"
        "    CREATE ROLE apikey_admin NOLOGIN NOINHERIT;"
        "  END IF;"
        "  IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname IN ('apikey_host', 'apikey_admin')"
        "             AND (rolsuper OR rolcanlogin OR rolbypassrls OR rolcreaterole OR rolcreatedb"
        "                  OR rolreplication)) THEN"
        "    RAISE EXCEPTION 'role apikey_host or apikey_admin has LOGIN, SUPERUSER, BYPASSRLS, CREATEROLE,"
        " CREATEDB or REPLICATION: remove it (ALTER ROLE) and run fleet init again';"
        "  END IF;"
        "  IF EXISTS (SELECT FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.member"
        "             WHERE r.rolname = 'apikey_host') THEN"
        "    RAISE EXCEPTION 'role apikey_host is a member of another role: revoke that and run fleet init again';"
        "  END IF;"
        "END $$;"
        /* The database is the fleet's: only its roles connect, nobody but
         * the owner creates anything in it. */
        "DO $$ BEGIN"
        "  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());"
        "  EXECUTE format('GRANT CONNECT ON DATABASE %I TO apikey_host, apikey_admin', current_database());"
        "  EXECUTE format('GRANT apikey_admin TO %I', current_user);"
        "END $$;"
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;"
        "REVOKE ALL ON SCHEMA apikey FROM PUBLIC;"
        "GRANT USAGE ON SCHEMA apikey TO apikey_host, apikey_admin;"
        "ALTER DEFAULT PRIVILEGES IN SCHEMA apikey REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;"
        "REVOKE ALL ON apikey.meta FROM PUBLIC;"
        "GRANT SELECT ON apikey.meta TO apikey_host, apikey_admin;"

        /* Hosts and groups. */
        "CREATE TABLE apikey.hosts ("
        "  name text PRIMARY KEY CHECK (name ~ " PG_NAME_RE "),"
        "  role name UNIQUE NOT NULL,"
        "  created_at bigint NOT NULL"
        ");"
        "CREATE TABLE apikey.groups ("
        "  name text PRIMARY KEY CHECK (name ~ " PG_NAME_RE ")"
        ");"
        "CREATE TABLE apikey.host_groups ("
        "  host text NOT NULL REFERENCES apikey.hosts ON DELETE CASCADE,"
        "  grp text NOT NULL REFERENCES apikey.groups,"
        "  position int NOT NULL,"
        "  PRIMARY KEY (host, grp),"
        "  UNIQUE (host, position)"
        ");"
        "CREATE INDEX host_groups_grp ON apikey.host_groups (grp);"

        /* Who the caller is, and where its keys work. Plain SQL functions
         * that read under the caller's own policies (a host sees only its
         * own hosts and host_groups rows), so a forged argument learns
         * nothing. Policies call them in a sub-select: evaluated once per
         * statement, not per row. */
        "CREATE FUNCTION apikey.current_host() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE"
        "  AS $$ SELECT name FROM apikey.hosts WHERE role = current_user $$;"
        "CREATE FUNCTION apikey.host_scopes(h text) RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE"
        "  AS $$ SELECT CASE WHEN h IS NULL THEN '{}'::text[] ELSE"
        "         array(SELECT grp FROM apikey.host_groups WHERE host = h ORDER BY position)"
        "         || ('host:' || h) END $$;"
        /* The scope of a key created through host h: its first group. */
        "CREATE FUNCTION apikey.host_default_scope(h text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE"
        "  AS $$ SELECT (apikey.host_scopes(h))[1] $$;"

        /* Keys: SQLite's columns (migrations 1 to 6), then the fleet's. */
        "CREATE TABLE apikey.keys ("
        "  id text PRIMARY KEY,"
        "  hash bytea NOT NULL CHECK (length(hash) = 32),"
        "  kind text NOT NULL DEFAULT 'user',"
        "  owner_type text NOT NULL,"
        "  owner_name text NOT NULL,"
        "  owner_uid bigint,"
        "  name text NOT NULL DEFAULT '',"
        "  description text NOT NULL DEFAULT '',"
        "  state text NOT NULL DEFAULT 'active',"
        "  created_at bigint NOT NULL,"
        "  created_by text NOT NULL,"
        "  last_used_at bigint NOT NULL DEFAULT 0,"
        "  last_used_from text NOT NULL DEFAULT '',"
        "  last_used_service text NOT NULL DEFAULT '',"
        "  use_count bigint NOT NULL DEFAULT 0 CHECK (use_count >= 0),"
        "  expires_at bigint NOT NULL DEFAULT 0,"
        "  locked bigint NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),"
        "  services text NOT NULL DEFAULT '',"
        "  sources text NOT NULL DEFAULT '',"
        "  max_uses bigint NOT NULL DEFAULT 0 CHECK (max_uses >= 0),"
        "  leak_action text NOT NULL DEFAULT 'disable',"
        "  rotated_to text NOT NULL DEFAULT '',"
        "  retires text NOT NULL DEFAULT '',"
        "  disabled_by text NOT NULL DEFAULT '',"
        "  locked_by text NOT NULL DEFAULT '',"
        "  orphaned_at bigint NOT NULL DEFAULT 0,"
        "  mac bytea NOT NULL DEFAULT ''::bytea,"
        "  scope text NOT NULL CHECK (scope ~ '^(host:)?[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),"
        "  hash_key text NOT NULL DEFAULT 'fleet'"
        "    CHECK (hash_key = 'fleet' OR hash_key ~ '^host:[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),"
        "  created_host text"
        ");"
        "CREATE INDEX keys_owner ON apikey.keys (owner_type, owner_name);"
        "CREATE INDEX keys_scope ON apikey.keys (scope);"
        "CREATE INDEX keys_created ON apikey.keys (created_at, id);"
        "CREATE UNIQUE INDEX keys_one_classic ON apikey.keys (scope, owner_name, owner_uid)"
        "  WHERE kind = 'classic' AND rotated_to = '' AND orphaned_at = 0;"
        "CREATE INDEX keys_expiry ON apikey.keys (expires_at) WHERE expires_at > 0;"
        "CREATE INDEX keys_live_owners ON apikey.keys (owner_name, owner_uid)"
        "  WHERE owner_type = 'user' AND orphaned_at = 0;"

        "CREATE TABLE apikey.service_ids ("
        "  name text PRIMARY KEY,"
        "  description text NOT NULL DEFAULT '',"
        "  unix_user text NOT NULL DEFAULT '',"
        "  unix_uid bigint NOT NULL DEFAULT -1,"
        "  locked bigint NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),"
        "  created_at bigint NOT NULL,"
        "  created_by text NOT NULL,"
        "  mac bytea NOT NULL DEFAULT ''::bytea,"
        "  scope text NOT NULL CHECK (scope ~ '^(host:)?[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),"
        "  created_host text"
        ");"
        "CREATE INDEX service_ids_scope ON apikey.service_ids (scope);"

        /* One hash chain per host. */
        "CREATE TABLE apikey.audit ("
        "  host text NOT NULL DEFAULT apikey.current_host(),"
        "  seq bigint NOT NULL,"
        "  time bigint NOT NULL,"
        "  event text NOT NULL,"
        "  result text NOT NULL,"
        "  key_id text NOT NULL DEFAULT '',"
        "  identity text NOT NULL DEFAULT '',"
        "  \"user\" text NOT NULL DEFAULT '',"
        "  service text NOT NULL DEFAULT '',"
        "  rhost text NOT NULL DEFAULT '',"
        "  tty text NOT NULL DEFAULT '',"
        "  peer_uid bigint NOT NULL DEFAULT 0,"
        "  peer_pid bigint NOT NULL DEFAULT 0,"
        "  caller text NOT NULL DEFAULT '',"
        "  action text NOT NULL DEFAULT '',"
        "  detail text NOT NULL DEFAULT '',"
        "  prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),"
        "  hash bytea NOT NULL CHECK (length(hash) = 32),"
        "  PRIMARY KEY (host, seq)"
        ");"
        "CREATE INDEX audit_time ON apikey.audit (time);"
        "CREATE INDEX audit_key ON apikey.audit (key_id);"
        "CREATE INDEX audit_identity ON apikey.audit (identity);"

        /* Append-only: nobody updates or truncates an audit record; only a
         * fleet admin deletes (retention). Grants already refuse hosts; the
         * trigger holds even if a grant is added by mistake. */
        "CREATE FUNCTION apikey.audit_append_only() RETURNS trigger LANGUAGE plpgsql"
        "  SET search_path = pg_catalog, pg_temp AS $$ BEGIN"
        "    IF TG_OP = 'DELETE' AND pg_has_role(current_user, 'apikey_admin', 'USAGE') THEN"
        "      RETURN OLD;"
        "    END IF;"
        "    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP"
        "      USING ERRCODE = 'insufficient_privilege';"
        "  END $$;"
        "CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON apikey.audit"
        "  FOR EACH ROW EXECUTE FUNCTION apikey.audit_append_only();"
        "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON apikey.audit"
        "  FOR EACH STATEMENT EXECUTE FUNCTION apikey.audit_append_only();"

        /* Uses only add up, a key dead for good stays dead: the trigger
         * fires only when a change tries otherwise (WHEN, checked in C), so
         * a use costs nothing more. Fleet admins may correct both. */
        "CREATE FUNCTION apikey.keys_monotonic() RETURNS trigger LANGUAGE plpgsql"
        "  SET search_path = pg_catalog, pg_temp AS $$ BEGIN"
        "    IF pg_has_role(current_user, 'apikey_admin', 'USAGE') THEN"
        "      RETURN NEW;"
        "    END IF;"
        "    RAISE EXCEPTION 'a key''s use count never goes down and its orphaned mark stays'"
        "      USING ERRCODE = 'insufficient_privilege';"
        "  END $$;"
        "CREATE TRIGGER keys_monotonic BEFORE UPDATE ON apikey.keys FOR EACH ROW"
        "  WHEN (NEW.use_count < OLD.use_count OR (OLD.orphaned_at <> 0 AND NEW.orphaned_at <> OLD.orphaned_at))"
        "  EXECUTE FUNCTION apikey.keys_monotonic();"

        /* Row-level security on every table but meta, FORCEd so that the
         * owner (and its SECURITY DEFINER functions) obey it too: the owner
         * is a member of apikey_admin, whose policies allow everything. */
        "ALTER TABLE apikey.hosts ENABLE ROW LEVEL SECURITY;"
        "ALTER TABLE apikey.hosts FORCE ROW LEVEL SECURITY;"
        "ALTER TABLE apikey.groups ENABLE ROW LEVEL SECURITY;"
        "ALTER TABLE apikey.groups FORCE ROW LEVEL SECURITY;"
        "ALTER TABLE apikey.host_groups ENABLE ROW LEVEL SECURITY;"
        "ALTER TABLE apikey.host_groups FORCE ROW LEVEL SECURITY;"
        "ALTER TABLE apikey.keys ENABLE ROW LEVEL SECURITY;"
        "ALTER TABLE apikey.keys FORCE ROW LEVEL SECURITY;"
        "ALTER TABLE apikey.service_ids ENABLE ROW LEVEL SECURITY;"
        "ALTER TABLE apikey.service_ids FORCE ROW LEVEL SECURITY;"
        "ALTER TABLE apikey.audit ENABLE ROW LEVEL SECURITY;"
        "ALTER TABLE apikey.audit FORCE ROW LEVEL SECURITY;"

        "CREATE POLICY hosts_admin ON apikey.hosts TO apikey_admin USING (true) WITH CHECK (true);"
        "CREATE POLICY hosts_own ON apikey.hosts FOR SELECT TO apikey_host USING (role = current_user);"
        "CREATE POLICY groups_admin ON apikey.groups TO apikey_admin USING (true) WITH CHECK (true);"
        "CREATE POLICY groups_own ON apikey.groups FOR SELECT TO apikey_host"
        "  USING (name = ANY ((SELECT apikey.host_scopes(apikey.current_host()))::text[]));"
        "CREATE POLICY host_groups_admin ON apikey.host_groups TO apikey_admin USING (true) WITH CHECK (true);"
        "CREATE POLICY host_groups_own ON apikey.host_groups FOR SELECT TO apikey_host"
        "  USING (host = (SELECT apikey.current_host()));"

        "CREATE POLICY keys_admin ON apikey.keys TO apikey_admin USING (true) WITH CHECK (true);"
        "CREATE POLICY keys_host_read ON apikey.keys FOR SELECT TO apikey_host"
        "  USING (scope = ANY ((SELECT apikey.host_scopes(apikey.current_host()))::text[]));"
        "CREATE POLICY keys_host_create ON apikey.keys FOR INSERT TO apikey_host"
        "  WITH CHECK (scope = ANY ((SELECT apikey.host_scopes(apikey.current_host()))::text[])"
        "              AND created_host = (SELECT apikey.current_host()) AND hash_key = 'fleet');"
        "CREATE POLICY keys_host_change ON apikey.keys FOR UPDATE TO apikey_host"
        "  USING (scope = ANY ((SELECT apikey.host_scopes(apikey.current_host()))::text[]))"
        "  WITH CHECK (scope = ANY ((SELECT apikey.host_scopes(apikey.current_host()))::text[]));"
        "CREATE POLICY keys_host_delete ON apikey.keys FOR DELETE TO apikey_host"
        "  USING (scope = ANY ((SELECT apikey.host_scopes(apikey.current_host()))::text[]));"

        "CREATE POLICY sids_admin ON apikey.service_ids TO apikey_admin USING (true) WITH CHECK (true);"
        "CREATE POLICY sids_host_read ON apikey.service_ids FOR SELECT TO apikey_host"
        "  USING (scope = ANY ((SELECT apikey.host_scopes(apikey.current_host()))::text[]));"
        "CREATE POLICY sids_host_create ON apikey.service_ids FOR INSERT TO apikey_host"
        "  WITH CHECK (scope = ANY ((SELECT apikey.host_scopes(apikey.current_host()))::text[])"
        "              AND created_host = (SELECT apikey.current_host()));"
        "CREATE POLICY sids_host_change ON apikey.service_ids FOR UPDATE TO apikey_host"
        "  USING (scope = ANY ((SELECT apikey.host_scopes(apikey.current_host()))::text[]))"
        "  WITH CHECK (scope = ANY ((SELECT apikey.host_scopes(apikey.current_host()))::text[]));"
        "CREATE POLICY sids_host_delete ON apikey.service_ids FOR DELETE TO apikey_host"
        "  USING (scope = ANY ((SELECT apikey.host_scopes(apikey.current_host()))::text[]));"

        "CREATE POLICY audit_admin ON apikey.audit TO apikey_admin USING (true) WITH CHECK (true);"
        /* Every host reads every chain: audit --verify on any host checks
         * them all, and the records hold no secret. */
        "CREATE POLICY audit_host_read ON apikey.audit FOR SELECT TO apikey_host USING (true);"
        "CREATE POLICY audit_host_append ON apikey.audit FOR INSERT TO apikey_host"
        "  WITH CHECK (host = (SELECT apikey.current_host()));"

        /* Grants: hosts read their rows and change only what a daemon must
         * (column lists); admins manage the rest; nobody but the owner
         * changes the schema. */
        "REVOKE ALL ON apikey.hosts, apikey.groups, apikey.host_groups, apikey.keys, apikey.service_ids,"
        "  apikey.audit FROM PUBLIC;"
        "GRANT SELECT ON apikey.hosts, apikey.groups, apikey.host_groups TO apikey_host;"
        "GRANT SELECT, INSERT, DELETE ON apikey.keys, apikey.service_ids TO apikey_host;"
        "GRANT UPDATE (" KEY_HOST_UPDATABLE ") ON apikey.keys TO apikey_host;"
        "GRANT UPDATE (" SID_HOST_UPDATABLE ") ON apikey.service_ids TO apikey_host;"
        "GRANT SELECT, INSERT ON apikey.audit TO apikey_host;"
        /* Admins add and remove hosts only through add_host/remove_host:
         * a row of hosts binds a role to a host, and remove_host drops it,
         * so no admin may write one (it could bind, or have dropped, a role
         * that is no host's). */
        "GRANT SELECT ON apikey.hosts TO apikey_admin;"
        "GRANT SELECT, INSERT, UPDATE, DELETE ON apikey.groups, apikey.host_groups,"
        "  apikey.keys, apikey.service_ids TO apikey_admin;"
        "GRANT SELECT, INSERT, DELETE ON apikey.audit TO apikey_admin;"

        /* wrong_host: whether a key exists outside the calling host's
         * scopes. It must look beyond the caller's policies, so it runs as
         * the owner (SECURITY DEFINER, fixed search_path) and identifies
         * the caller by session_user, which a host cannot change; it says
         * only yes or no, and yes only to whoever holds the key (the hash
         * matches) or for a host-hashed key the caller cannot check. */
        "CREATE FUNCTION apikey.key_out_of_scope(p_id text, p_hash bytea) RETURNS boolean"
        "  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, apikey, pg_temp"
        "  AS $$ SELECT EXISTS (SELECT FROM apikey.keys k,"
        "          (SELECT name FROM apikey.hosts WHERE role = session_user) h"
        "        WHERE k.id = p_id AND NOT (k.scope = ANY (apikey.host_scopes(h.name)))"
        "          AND (k.hash_key <> 'fleet' OR k.hash = p_hash)) $$;"

        /* add-host, remove-host: a fleet admin needs no CREATEROLE; these
         * run as the owner, create only a plain LOGIN role (no password:
         * the admin gives it a credential, see apikeyctl-fleet(1)), a
         * member of apikey_host and nothing else, and never adopt an
         * existing role. */
        "CREATE FUNCTION apikey.add_host(p_name text, p_role name, p_groups text[]) RETURNS void"
        "  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, apikey, pg_temp AS $$"
        "  DECLARE g text; pos int := 0;"
        "  BEGIN"
        "    IF p_name IS NULL OR p_name !~ " PG_NAME_RE " THEN"
        "      RAISE EXCEPTION 'host name % is not a word of letters, digits, ''.'', ''_'', ''-''', p_name"
        "        USING ERRCODE = 'invalid_parameter_value';"
        "    END IF;"
        "    IF p_role IS NULL OR p_role !~ '^[A-Za-z0-9_][A-Za-z0-9._-]{0,62}$' OR p_role ~ '^(pg_|apikey_)' THEN"
        "      RAISE EXCEPTION 'role name % is not allowed (letters, digits, ''.'', ''_'', ''-''; not pg_* or apikey_*)',"
        "        p_role USING ERRCODE = 'invalid_parameter_value';"
        "    END IF;"
        "    IF EXISTS (SELECT FROM apikey.hosts WHERE name = p_name) THEN"
        "      RAISE EXCEPTION 'host % already exists', p_name USING ERRCODE = 'unique_violation';"
        "    END IF;"
        "    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = p_role) THEN"
        "      RAISE EXCEPTION 'role % already exists: a host gets a new role of its own', p_role"
        "        USING ERRCODE = 'duplicate_object';"
        "    END IF;"
        "    EXECUTE format('CREATE ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
        " NOBYPASSRLS CONNECTION LIMIT " STORE_PG_HOST_CONNECTIONS " IN ROLE apikey_host', p_role);"
        "    INSERT INTO apikey.hosts (name, role, created_at)"
        "      VALUES (p_name, p_role, extract(epoch FROM now())::bigint);"
        "    FOREACH g IN ARRAY coalesce(p_groups, '{}') LOOP"
        "      IF g IS NULL OR g !~ " PG_NAME_RE " THEN"
        "        RAISE EXCEPTION 'group name % is not a word of letters, digits, ''.'', ''_'', ''-''', g"
        "          USING ERRCODE = 'invalid_parameter_value';"
        "      END IF;"
        "      INSERT INTO apikey.groups (name) VALUES (g) ON CONFLICT DO NOTHING;"
        "      INSERT INTO apikey.host_groups (host, grp, position) VALUES (p_name, g, pos)"
        "        ON CONFLICT DO NOTHING;"
        "      pos := pos + 1;"
        "    END LOOP;"
        "  END $$;"
        "CREATE FUNCTION apikey.remove_host(p_name text) RETURNS name"
        "  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, apikey, pg_temp AS $$"
        "  DECLARE r name;"
        "  BEGIN"
        "    DELETE FROM apikey.hosts WHERE name = p_name RETURNING role INTO r;"
        "    IF r IS NULL THEN"
        "      RAISE EXCEPTION 'no host %', p_name USING ERRCODE = 'no_data_found';"
        "    END IF;"
        "    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN"
        "      IF NOT pg_has_role(r, 'apikey_host', 'MEMBER') OR pg_has_role(r, 'apikey_admin', 'MEMBER') THEN"
        "        RAISE EXCEPTION 'role % is not a host''s role: not dropped', r"
        "          USING ERRCODE = 'insufficient_privilege';"
        "      END IF;"
        "      EXECUTE format('DROP ROLE %I', r);"
        "    END IF;"
        "    RETURN r;"
        "  END $$;"

        "REVOKE ALL ON FUNCTION apikey.current_host(), apikey.host_scopes(text), apikey.host_default_scope(text),"
        "  apikey.key_out_of_scope(text, bytea), apikey.add_host(text, name, text[]), apikey.remove_host(text),"
        "  apikey.audit_append_only(), apikey.keys_monotonic() FROM PUBLIC;"
        "GRANT EXECUTE ON FUNCTION apikey.current_host(), apikey.host_scopes(text), apikey.host_default_scope(text)"
        "  TO apikey_host, apikey_admin;"
        "GRANT EXECUTE ON FUNCTION apikey.key_out_of_scope(text, bytea) TO apikey_host;"
        "GRANT EXECUTE ON FUNCTION apikey.add_host(text, name, text[]), apikey.remove_host(text) TO apikey_admin;",

        /* 2: every statement a host sends evaluates host_scopes(current_host())
         * for its policies. As SQL functions with a sub-select they are never
         * inlined, so PostgreSQL parsed and planned both bodies, and the
         * policies on hosts and host_groups inside them, on every statement:
         * 0.25 ms of a key lookup's 0.4 ms (BENCHMARKS.md). PL/pgSQL keeps
         * their plans for the session (and plans again when the role or the
         * tables change). The same queries, still run with the caller's
         * rights and under its policies; hosts.role is UNIQUE, so the scalar
         * sub-select finds at most one row, as before. CREATE OR REPLACE
         * keeps the functions' grants. */
        "CREATE OR REPLACE FUNCTION apikey.current_host() RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE"
        "  AS $$ BEGIN RETURN (SELECT name FROM apikey.hosts WHERE role = current_user); END $$;"
        "CREATE OR REPLACE FUNCTION apikey.host_scopes(h text) RETURNS text[] LANGUAGE plpgsql STABLE PARALLEL SAFE"
        "  AS $$ BEGIN"
        "    IF h IS NULL THEN RETURN '{}'::text[]; END IF;"
        "    RETURN array(SELECT grp FROM apikey.host_groups WHERE host = h ORDER BY position) || ('host:' || h);"
        "  END $$;",
};

#endif
