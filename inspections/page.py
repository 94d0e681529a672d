"""What both inspection pages open with: the language, the page's words (its section of the catalogue), the page
title, and the signed-in account as an inspector with a connection that reads and writes as it, under row-level
security."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from accounts import role_label
from accounts.scoped import connect_as
from accounts.ui import require_login
from geo import db, i18n
from geo.settings import settings

from . import auth


def start(section: str) -> tuple[str, Callable[..., str], auth.AccountInspector, object]:
    """Title the page from the catalogue's "SECTION.title", sign in, and return (lang, t, who, conn), where t(key)
    is the message "SECTION.key" in the page's language."""
    # the app's sidebar sets the language (session_state["lang"]); run alone, the page follows the setting
    lang = st.session_state.get("lang") or settings.language

    def t(key: str, **fmt) -> str:
        return i18n.t(f"{section}.{key}", lang, **fmt)

    st.title(t("title"))
    user = require_login()
    with db.transaction() as owner, owner.cursor() as cur:
        who = auth.for_user(cur, user)
    return lang, t, who, connect_as(user)


def signed_in_as(who: auth.AccountInspector, lang: str) -> str:
    """The inspector's name, the account's role in words (the inspection role code, e.g. "village", is internal)
    and scope, for a page's caption."""
    return f"{who.name} · {role_label(getattr(who.user, 'role', None) or who.role, lang)} · {who.scope_code}"


def form_title(form, lang: str) -> str:
    """A form's title in the page's language (the form's own title is "中文 / English", as XLSForm carries it)."""
    return form.title.split(" / ")[-1 if lang == "en" else 0]
