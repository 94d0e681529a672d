"""The database's login roles: their generated passwords (a libpq password file under var/secrets, mode 0600) and
the SQL that makes them — the owner, which migrates and loads and is no superuser, and the app's login, which owns
nothing and can only SET ROLE to the app roles the policies are written for."""
from __future__ import annotations

import os
import secrets

import psycopg2

from ..settings import Settings, settings as default_settings


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def secret(role: str, cfg: Settings = default_settings) -> str:
    """The password of `role` from the password file, generated (and the file made, mode 0600) on first use."""
    path = cfg.pgpass
    for line in path.read_text().splitlines() if path.exists() else []:
        fields = line.split(":")
        if len(fields) == 5 and fields[3] == role:
            return fields[4]
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    password = secrets.token_urlsafe(32)  # letters, digits, - and _: nothing the file format or SQL must escape
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as f:
        f.write(f"*:*:*:{role}:{password}\n")
    os.chmod(path, 0o600)  # libpq ignores a password file others can read
    return password


def roles_sql(cfg: Settings = default_settings, *, owner: bool) -> str:
    """Idempotent SQL that makes the app roles (no login), the app's login role (member of both, NOINHERIT: after
    RESET ROLE it holds nothing) and, with `owner`, the owner role; passwords from the password file."""
    app, masked, login = cfg.app_db_role, cfg.app_db_role_masked, cfg.app_login_role
    names = [app, masked, login] + ([cfg.pg_owner_role] if owner else [])
    make = "\n".join(f"    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{n}') THEN "
                     f"CREATE ROLE {ident(n)} NOLOGIN; END IF;" for n in names)
    sql = [f"DO $$ BEGIN\n{make}\nEND $$;",
           f"ALTER ROLE {ident(app)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;",
           f"ALTER ROLE {ident(masked)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;",
           f"ALTER ROLE {ident(login)} LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
           f"NOBYPASSRLS PASSWORD '{secret(login, cfg)}';",
           f"GRANT {ident(app)}, {ident(masked)} TO {ident(login)};"]
    if owner:
        o = ident(cfg.pg_owner_role)
        sql += [f"ALTER ROLE {o} LOGIN INHERIT NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                f"PASSWORD '{secret(cfg.pg_owner_role, cfg)}';",
                # membership of the login (which holds nothing) lets the owner end the app's connections to a
                # database it drops (DROP DATABASE … WITH (FORCE): tests, bench), pg_signal_backend an autovacuum
                # worker's there (PostgreSQL 15 refuses a non-superuser otherwise)
                f"GRANT {ident(app)}, {ident(masked)}, {ident(login)}, pg_signal_backend TO {o};"]
    return "\n".join(sql)


GRANT_HINT = ("the role of DATABASE_URL may not create roles, so the app's login role {login} is missing: as a "
              "superuser run  CREATE ROLE {app} NOLOGIN; CREATE ROLE {masked} NOLOGIN; "
              "CREATE ROLE {login} LOGIN NOINHERIT PASSWORD '…'; GRANT {app}, {masked} TO {login}, <owner>;  "
              "and put the password in {pgpass} as *:*:*:{login}:… (mode 0600), or set DIXIAN_APP_DATABASE_URL")


def ensure_roles(url: str, cfg: Settings = default_settings) -> str | None:
    """With DATABASE_URL: make the app's roles when its role may (superuser or CREATEROLE); None when they are
    there, else a hint saying what to grant."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
            may = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (cfg.app_login_role,))
            exists = cur.fetchone()[0] == 1
            if may:
                cur.execute(roles_sql(cfg, owner=False))
                cur.execute(f"GRANT {ident(cfg.app_db_role)}, {ident(cfg.app_db_role_masked)} TO current_user")
                return None
    finally:
        conn.close()
    if exists:
        return None
    return GRANT_HINT.format(login=cfg.app_login_role, app=cfg.app_db_role, masked=cfg.app_db_role_masked,
                             pgpass=cfg.pgpass)
