"""Accounts, roles and data scopes: who may see and change what, enforced in PostgreSQL by row-level security."""
from __future__ import annotations

# Role codes with their Chinese and English labels, in the order the admin page offers them.
ROLES: dict[str, tuple[str, str]] = {
    "admin": ("系统管理员", "Administrator"),
    "county_planner": ("县级规划/业务人员", "County planner"),
    "township_officer": ("乡镇干部", "Township officer"),
    "village_monitor": ("村信息监测员/巡查员", "Village monitor / inspector"),
    "water_bureau": ("县水利局", "Water bureau"),
    "viewer": ("只读查看", "Read-only viewer"),
}

# Roles whose work needs households' ID and phone numbers; the others see them masked.
PERSONAL_DATA_ROLES = frozenset({"admin", "county_planner", "township_officer", "village_monitor"})


def role_label(role: str, lang: str = "zh") -> str:
    zh, en = ROLES.get(role, (role, role))
    return zh if lang == "zh" else en
