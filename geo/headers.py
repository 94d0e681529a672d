"""Column labels of every layer in Chinese and English, for ledgers (台账), exports and the map's tables."""
from __future__ import annotations

from . import vocab

# column -> (zh, en), the same wherever the column appears; LAYER_LABELS below overrides per layer.
COMMON = {
    "id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "code": ("区划代码", "Division code"),
    "level": ("级别", "Level"),
    "village_code": ("行政村代码", "Administrative village code"),
    "parent_code": ("上级区划代码", "Parent division code"),
    "population": ("人口（人）", "Population (persons)"),
    "households": ("户数（户）", "Households"),
    "elevation_m": ("海拔（米）", "Elevation (m)"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "wkt": ("几何（WKT）", "Geometry (WKT)"),
    "extra": ("其他信息", "Other information"),
}

LAYER_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "admin_units": {
        "code": ("区划代码", "Division code"), "level": ("级别", "Level"), "name": ("名称", "Name"),
        "parent_code": ("上级区划代码", "Parent division code"), "population": ("人口（人）", "Population"),
    },
    "seats": {
        "code": ("区划代码", "Division code"), "level": ("驻地级别", "Seat level"), "name": ("驻地名称", "Seat name"),
        "elevation_m": ("海拔（米）", "Elevation (m)"),
    },
    "natural_villages": {
        "id": ("自然村编号", "Natural village ID"), "name": ("自然村名称", "Natural village"),
        "village_code": ("行政村代码", "Administrative village code"), "households": ("户数（户）", "Households"),
        "population": ("人口（人）", "Population"), "poor_households": ("脱贫户数（户）", "Exited households"),
        "monitored_households": ("监测户数（户）", "Monitored households"),
        "ethnic_households": ("直过民族户数（户）", "Directly-transitioned ethnic households"),
        "elevation_m": ("海拔（米）", "Elevation (m)"),
    },
    "households": {
        "id": ("户编号", "Household ID"), "natural_village_id": ("自然村编号", "Natural village ID"),
        "head_name": ("户主姓名", "Head of household"), "members": ("家庭人口（人）", "Members"),
        "category": ("农户类别", "Category"), "monitor_state": ("监测状态", "Monitoring state"),
        "identified_on": ("识别日期", "Identified on"), "risk_eliminated_on": ("风险消除日期", "Risk eliminated on"),
        "risk_types": ("风险类型", "Risk types"), "support_contact": ("帮扶联系人", "Support contact"),
        "last_visit_on": ("最近走访日期", "Last visit on"), "elderly_alone": ("独居老人", "Elderly living alone"),
        "disabled_members": ("残疾人数（人）", "Disabled members"), "id_number": ("身份证号", "ID card number"),
        "phone": ("联系电话", "Phone"), "elevation_m": ("海拔（米）", "Elevation (m)"),
    },
    "houses": {
        "id": ("房屋编号", "House ID"), "household_id": ("户编号", "Household ID"),
        "grade": ("鉴定等级", "Appraisal grade"), "appraised_on": ("鉴定日期", "Appraised on"),
        "renovation_state": ("改造状态", "Renovation state"), "idle": ("闲置", "Idle"),
        "occupied": ("有人居住", "Occupied"), "elevation_m": ("海拔（米）", "Elevation (m)"),
    },
    "water_sources": {
        "id": ("水源编号", "Source ID"), "name": ("水源名称", "Source name"), "kind": ("工程类型", "Kind"),
        "status": ("运行状态", "Status"), "capacity_m3_per_day": ("供水能力（立方米/日）", "Capacity (m³/day)"),
        "people_served": ("受益人口（人）", "People served"), "piped_to_home": ("入户", "Piped to home"),
        "disinfection": ("消毒设备", "Disinfection"), "guarantee_rate": ("供水保证率", "Supply guarantee rate"),
        "water_manager": ("水管员", "Water manager"), "village_code": ("行政村代码", "Administrative village code"),
        "elevation_m": ("海拔（米）", "Elevation (m)"),
    },
    "roads": {
        "id": ("道路编号", "Road ID"), "name": ("道路名称", "Road name"), "surface": ("路面类型", "Surface"),
        "class": ("道路等级", "Class"), "width_m": ("路面宽度（米）", "Width (m)"),
        "all_season": ("全天候通行", "All-season"), "bus": ("通客车", "Bus service"),
        "hardened": ("硬化路", "Hardened"),
    },
    "relocation_sites": {
        "id": ("安置点编号", "Site ID"), "name": ("安置点名称", "Site name"),
        "village_code": ("行政村代码", "Administrative village code"),
        "capacity_households": ("设计安置户数（户）", "Capacity (households)"),
        "relocated_households": ("已安置户数（户）", "Relocated households"),
        "facilities": ("配套设施", "Facilities"), "elevation_m": ("海拔（米）", "Elevation (m)"),
    },
    "relocated_households": {
        "household_id": ("户编号", "Household ID"), "site_id": ("安置点编号", "Site ID"),
        "origin_natural_village_id": ("迁出自然村编号", "Origin natural village ID"),
        "relocated_on": ("搬迁日期", "Relocated on"), "members": ("搬迁人口（人）", "Members"),
        "workers_employed": ("就业人数（人）", "Workers employed"),
    },
    "assets": {
        "id": ("资产编号", "Asset ID"), "name": ("资产名称", "Asset name"), "type": ("资产类别", "Type"),
        "category": ("资产类型", "Category"), "value_yuan": ("资产价值（元）", "Value (yuan)"),
        "fund_source": ("资金来源", "Fund source"), "completed_on": ("竣工日期", "Completed on"),
        "accepted_on": ("验收日期", "Accepted on"), "registered_on": ("确权登记日期", "Registered on"),
        "owner": ("所有权人", "Owner"), "custodian": ("管护责任人", "Custodian"),
        "maintenance_state": ("管护状态", "Maintenance state"),
        "village_code": ("行政村代码", "Administrative village code"), "elevation_m": ("海拔（米）", "Elevation (m)"),
    },
}

# Extra spellings an import accepts for a column (besides its labels above).
_ALIASES = {
    "households": {"name": "head_name", "户主": "head_name", "nv_id": "natural_village_id"},
}


def label(layer: str, column: str, lang: str = "zh") -> str:
    """A column's header in the language asked; the column name itself when no label is known (extra columns)."""
    pair = LAYER_LABELS.get(layer, {}).get(column) or COMMON.get(column)
    if pair is None:
        return column
    return pair[0] if lang == "zh" else pair[1]


def labels(layer: str, columns, lang: str = "zh") -> list[str]:
    return [label(layer, c, lang) for c in columns]


def column_aliases(layer: str) -> dict[str, str]:
    """Header spellings (Chinese label, English label, lower-cased) mapped to the layer's column names."""
    out: dict[str, str] = {}
    for table in (COMMON, LAYER_LABELS.get(layer, {})):
        for column, (zh, en) in table.items():
            out[zh] = column
            out[en] = column
            out[en.lower()] = column
    out.update(_ALIASES.get(layer, {}))
    for column in list(LAYER_LABELS.get(layer, {})):
        out.pop(column, None)  # a column's own name always means itself
    return out


def vocabulary(layer: str, column: str) -> dict | None:
    """The coded-value vocabulary of a column, if it has one."""
    return vocab.COLUMN_VOCAB.get((layer, column))

# Each layer's title, for sheet names and ledger titles.
LAYER_TITLES = {
    "admin_units": ("行政区划", "Administrative units"),
    "seats": ("驻地", "Seats"),
    "natural_villages": ("自然村", "Natural villages"),
    "households": ("农户", "Households"),
    "houses": ("房屋", "Houses"),
    "water_sources": ("水源工程", "Water sources"),
    "roads": ("道路", "Roads"),
    "relocation_sites": ("易地扶贫搬迁安置点", "Relocation sites"),
    "relocated_households": ("搬迁户", "Relocated households"),
    "assets": ("扶贫项目资产", "Poverty-alleviation assets"),
}


def title(layer: str, lang: str = "zh") -> str:
    pair = LAYER_TITLES.get(layer)
    return layer if pair is None else (pair[0] if lang == "zh" else pair[1])
