"""Coded values of the schema with their Chinese and English labels, and the Chinese spellings an import accepts."""
from __future__ import annotations

# code -> (zh, en)
CATEGORY = {
    "general": ("一般农户", "general household"),
    "exited": ("脱贫户", "exited household"),
    "unstable": ("脱贫不稳定户", "unstable exited household"),
    "marginal": ("边缘易致贫户", "marginal household at risk"),
    "sudden_hardship": ("突发严重困难户", "household in sudden severe hardship"),
}
MONITORED = ("unstable", "marginal", "sudden_hardship")

MONITOR_STATE = {
    "identified": ("已识别", "identified"),
    "under_support": ("帮扶中", "under support"),
    "risk_eliminated": ("风险消除", "risk eliminated"),
}

RISK_TYPE = {
    "illness": ("因病", "illness"),
    "education": ("因学", "education costs"),
    "disaster": ("因灾", "disaster"),
    "disability": ("因残", "disability"),
    "accident": ("因意外", "accident"),
    "labour_shortage": ("缺劳力", "shortage of labour"),
    "industry_failure": ("产业失败", "failed enterprise"),
    "unstable_employment": ("务工就业不稳", "unstable employment"),
    "housing": ("住房", "housing"),
    "water": ("饮水", "drinking water"),
    "other": ("其他", "other"),
}

HOUSE_GRADE = {
    "A": ("A级", "grade A"), "B": ("B级", "grade B"),
    "C": ("C级（局部危房）", "grade C (partly dangerous)"), "D": ("D级（整体危房）", "grade D (dangerous)"),
}
RENOVATION_STATE = {
    "none": ("无需改造", "none"),
    "planned": ("计划改造", "planned"),
    "under_way": ("改造中", "under way"),
    "done": ("已竣工", "done"),
    "safe_occupancy": ("安全入住", "safe occupancy"),
}

WATER_KIND = {
    "centralised": ("集中供水工程", "centralised scheme"),
    "small_scheme": ("小型集中供水", "small scheme"),
    "well": ("水井", "well"),
    "spring": ("山泉", "spring"),
    "cistern": ("水窖", "cistern"),
    "emergency": ("应急供水点", "emergency point"),
}
WATER_STATUS = {
    "working": ("正常", "working"),
    "seasonal": ("季节性缺水", "seasonal shortage"),
    "failed": ("断水", "failed"),
    "contaminated": ("水质污染", "contaminated"),
}

ROAD_SURFACE = {
    "asphalt": ("沥青", "asphalt"),
    "cement": ("水泥", "cement"),
    "gravel": ("砂石", "gravel"),
    "earth": ("土路", "earth"),
    "path": ("步道", "path"),
}
HARDENED = ("asphalt", "cement")
ROAD_CLASS = {
    "county": ("县道", "county road"),
    "township": ("乡道", "township road"),
    "village": ("村道", "village road"),
    "group": ("组道", "group road"),
    "path": ("便道", "footpath"),
}

ADMIN_LEVEL = {
    "province": ("省", "province"), "city": ("市", "city"), "county": ("县", "county"),
    "township": ("乡镇", "township"), "village": ("行政村", "administrative village"),
}

ASSET_TYPE = {
    "operating": ("经营性资产", "operating"),
    "public_welfare": ("公益性资产", "public welfare"),
    "household": ("到户类资产", "household"),
}
MAINTENANCE_STATE = {
    "good": ("完好", "good"),
    "needs_repair": ("待维修", "needs repair"),
    "broken": ("损坏", "broken"),
    "idle": ("闲置", "idle"),
}

FACILITY = {
    "school": ("学校", "school"), "clinic": ("卫生室", "clinic"),
    "kindergarten": ("幼儿园", "kindergarten"), "factory": ("社区工厂", "community factory"),
}

# Which vocabulary constrains which column of which layer.
COLUMN_VOCAB = {
    ("households", "category"): CATEGORY,
    ("households", "monitor_state"): MONITOR_STATE,
    ("households", "risk_types"): RISK_TYPE,
    ("houses", "grade"): HOUSE_GRADE,
    ("houses", "renovation_state"): RENOVATION_STATE,
    ("water_sources", "kind"): WATER_KIND,
    ("water_sources", "status"): WATER_STATUS,
    ("roads", "surface"): ROAD_SURFACE,
    ("roads", "class"): ROAD_CLASS,
    ("admin_units", "level"): ADMIN_LEVEL,
    ("seats", "level"): ADMIN_LEVEL,
    ("assets", "type"): ASSET_TYPE,
    ("assets", "maintenance_state"): MAINTENANCE_STATE,
    ("relocation_sites", "facilities"): FACILITY,
}


def to_code(vocab: dict, value) -> str | None:
    """The code for a value given as code, Chinese label or English label (any case); None when unknown."""
    if value is None:
        return None
    text = str(value).strip()
    if text in vocab:
        return text
    lowered = text.lower()
    for code, (zh, en) in vocab.items():
        if text == zh or lowered == en.lower() or lowered == code.lower():
            return code
    return None


def label(vocab: dict, code: str | None, lang: str = "zh") -> str:
    """The label of a code in the language asked; the code itself when the vocabulary does not know it."""
    if code is None:
        return ""
    pair = vocab.get(code)
    if pair is None:
        return str(code)
    return pair[0] if lang == "zh" else pair[1]
