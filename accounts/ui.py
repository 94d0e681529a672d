"""Streamlit side of accounts: the login form, `require_login()` returning the user, and the admin page body.
Pages stay thin: they call these and then read data through accounts.scoped as the returned user."""
from __future__ import annotations

import json
import re
from contextlib import contextmanager

import streamlit as st
import streamlit.components.v1 as components

from geo import db
from geo.i18n import both
from geo.settings import settings

from . import ROLES, audit, role_label, sessions, users
from .scoped import connect_as, scoped_transaction

_TOKEN = "dixian_session_token"
_REMEMBER, _FORGET = "dixian_session_remember", "dixian_session_forget"  # browser cookie to set / drop next run
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text) -> str:
    """User-supplied text made inert for st.markdown/st.write: markdown and HTML characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


def _client() -> str | None:
    try:
        ip = st.context.ip_address
    except Exception:  # outside a browser session (bare mode)
        return None
    return ip if isinstance(ip, str) else None


def _cookie_token() -> str | None:
    try:
        token = sessions.cookie_token(st.context.cookies)
    except Exception:  # outside a browser session (bare mode)
        return None
    return token if isinstance(token, str) else None  # AppTest's stand-in context holds no real cookies


def _browser_cookie(method: str, token: str | None = None) -> None:
    """Ask the browser to keep (POST) or drop (DELETE) the web session's cookie through /api/v1/auth/session: the
    cookie is HttpOnly, so only a response of the server can set it, and only the server reads it back."""
    body = f", headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify({{token: {json.dumps(token)}}})" \
        if token else ""
    components.html(f"<script>fetch('/api/v1/auth/session', {{method: '{method}', credentials: 'same-origin'{body}}})"
                    ".catch(function () {{}});</script>", height=0)


def current_user() -> users.User | None:
    """The user of this browser session: its token, or after a reload the session the browser kept in its cookie."""
    token = st.session_state.get(_TOKEN) or _cookie_token()
    if not token:
        return None
    st.session_state[_TOKEN] = token
    with db.transaction() as conn, conn.cursor() as cur:
        user = sessions.user_for_token(cur, token, sessions.WEB, must_change_ok=True)
    if user is None:
        st.session_state.pop(_TOKEN, None)
    return user


def login_form() -> None:
    st.subheader(both("account.sign_in", " · "))
    with st.form("dixian_login", clear_on_submit=False):
        login = st.text_input(both("account.login"), max_chars=64)
        password = st.text_input(both("account.password"), type="password", max_chars=256)
        submitted = st.form_submit_button(both("account.sign_in"), type="primary")
    if not submitted:
        return
    conn = db.connect()
    try:
        try:
            user = users.authenticate(conn, login, password, _client())
        except users.LoginThrottled as err:
            st.error(plain(err))
            return
        except users.LoginFailed as err:
            st.error(plain(err))
            return
        with conn.cursor() as cur:
            st.session_state[_TOKEN] = sessions.create(cur, user, sessions.WEB, client=_client())
        conn.commit()
        st.session_state[_REMEMBER] = True
    finally:
        conn.close()
    st.rerun()


def _change_password_form(user: users.User) -> None:
    st.subheader(both("account.set_password", " · "))
    with st.form("dixian_change_password"):
        old = st.text_input(both("account.current_password"), type="password")
        new = st.text_input(both("account.new_password"), type="password")
        again = st.text_input(both("account.repeat"), type="password")
        if not st.form_submit_button(both("account.save"), type="primary"):
            return
    if new != again:
        st.error(both("account.entries_differ", " · "))
        return
    try:
        with db.transaction() as conn, conn.cursor() as cur:
            users.change_password(cur, user.id, old, new)
            token = sessions.create(cur, user, sessions.WEB, client=_client())  # the old session is now void
    except (users.LoginFailed, users.AccountError) as err:
        st.error(plain(err))
        return
    st.session_state[_TOKEN] = token
    st.session_state[_REMEMBER] = True
    st.rerun()


def require_login() -> users.User:
    """The signed-in user; otherwise show the login form (or the forced password change) and stop the page."""
    user = current_user()
    if user is None:
        if st.session_state.pop(_FORGET, False):
            _browser_cookie("DELETE")
        login_form()
        st.stop()
    if st.session_state.pop(_REMEMBER, False):
        _browser_cookie("POST", st.session_state[_TOKEN])
    if user.must_change_password:
        _change_password_form(user)
        st.stop()
    return user


@contextmanager
def user_connection():
    """A connection as the signed-in user (row-level security applies to everything read through it), closed after;
    a page with no user gets the login form instead. The drop-in for a page's plain db.connect()."""
    conn = connect_as(require_login())
    try:
        yield conn
    finally:
        conn.close()


def logout_button(user: users.User, where=None) -> None:
    where = where or st.sidebar
    lang = st.session_state.get("lang") or settings.language
    where.caption(f"{plain(user.display_name or user.login)} · {role_label(user.role, lang)} · "
                  f"{user.scope_code or '*'}")
    if where.button(both("account.sign_out")):
        token = st.session_state.pop(_TOKEN, None)
        if token:
            with db.transaction() as conn, conn.cursor() as cur:
                sessions.revoke(cur, token)  # the browser's cookie, if any, now names a dead session
        st.session_state[_FORGET] = True
        st.rerun()


def _role_options():
    return list(ROLES), lambda r: f"{ROLES[r][0]} {ROLES[r][1]}"


def admin_page(user: users.User) -> None:
    """The admin page's body: users (create, role and scope, reset password, deactivate), audit log, exports.
    Every action runs as the admin under row-level security, so an admin of one county manages only it."""
    st.header(both("page_admin", " · "))
    if user.role != "admin":
        st.error(both("account.admins_only", " · "))
        st.stop()
    roles, fmt = _role_options()

    def run(action, *args, **kwargs):
        try:
            with scoped_transaction(user) as conn, conn.cursor() as cur:
                return action(cur, *args, by=user, **kwargs)
        except (users.AccountError, users.NotAllowed) as err:
            st.error(plain(err))
        except Exception as err:  # a policy refusal, say: one line, not a traceback
            st.error(plain(f"{type(err).__name__}: {(str(err).splitlines() or [''])[0]}"))
        return None

    with scoped_transaction(user) as conn, conn.cursor() as cur:
        people = users.list_users(cur)
    tab_users, tab_new, tab_audit, tab_exports = st.tabs(
        [both("account.tab_users"), both("account.tab_new"), both("account.tab_audit"), both("account.tab_exports")])

    with tab_users:
        st.dataframe([{"id": u.id, both("account.login"): u.login, both("account.name"): u.display_name,
                       both("account.role"): role_label(u.role), both("account.scope"): u.scope_code or "*",
                       both("account.state"): both("account.active" if u.active else "account.inactive")}
                      for u in people], hide_index=True)
        if people:
            target = st.selectbox(both("account.user"), people, format_func=lambda u: f"{u.id} · {u.login}")
            with st.form("dixian_role_scope"):
                role = st.selectbox(both("account.role"), roles, index=roles.index(target.role), format_func=fmt)
                scope = st.text_input(both("account.scope_code"), value=target.scope_code or "", max_chars=12)
                if st.form_submit_button(both("account.save_role")):
                    if run(users.set_role_scope, target.id, role, scope or None):
                        st.success(both("account.saved", " · "))
            with st.form("dixian_reset_password"):
                pw = st.text_input(both("account.new_password"), type="password")
                if st.form_submit_button(both("account.reset_password")):
                    if run(users.reset_password, target.id, pw):
                        st.success(both("account.reset_done", " · "))
            label = both("account.deactivate" if target.active else "account.activate")
            if st.button(label) and run(users.set_active, target.id, not target.active):
                st.rerun()

    with tab_new:
        with st.form("dixian_new_user", clear_on_submit=True):
            login = st.text_input(both("account.login"), max_chars=64)
            name = st.text_input(both("account.name"), max_chars=128)
            role = st.selectbox(both("account.role"), roles, index=roles.index("village_monitor"), format_func=fmt)
            scope = st.text_input(both("account.scope_code"), max_chars=12)
            pw = st.text_input(both("account.initial_password"), type="password")
            if st.form_submit_button(both("account.create"), type="primary"):
                made = run(users.create_user, login, pw, role, scope or None, name, must_change_password=True)
                if made:
                    st.success(both("account.created", " · ", login=plain(made.login)))

    with tab_audit:
        table = st.selectbox(both("account.table"), ["", "households", "houses", "water_sources", "roads", "assets",
                                                      "rule_sets", "users", "inspections"])
        key = st.text_input(both("account.row_key"), max_chars=200)
        with scoped_transaction(user) as conn, conn.cursor() as cur:
            rows = audit.recent_changes(cur, 500, table or None, key or None)
        st.dataframe(rows, hide_index=True)

    with tab_exports:
        with scoped_transaction(user) as conn, conn.cursor() as cur:
            st.dataframe(audit.recent_exports(cur, 500), hide_index=True)
