"""Coded values of the schema: which vocabulary constrains which column of which layer, and the codes the rules
single out. The codes and their Chinese and English labels are in the catalogue (geo/i18n.toml, [vocab.*]); an
import accepts a code, its Chinese label or its English label (geo/validate.py)."""
from __future__ import annotations

from .i18n import label  # noqa: F401  (geo/export.py labels coded cells with vocab.label)

MONITORED = ("unstable", "marginal", "sudden_hardship")   # the household categories under monitoring (监测对象)

# (layer, column) -> the name of the vocabulary its values come from
COLUMN_VOCAB = {
    ("households", "category"): "category",
    ("households", "monitor_state"): "monitor_state",
    ("households", "risk_types"): "risk_type",
    ("houses", "grade"): "house_grade",
    ("houses", "renovation_state"): "renovation_state",
    ("water_sources", "kind"): "water_kind",
    ("water_sources", "status"): "water_status",
    ("roads", "surface"): "road_surface",
    ("roads", "class"): "road_class",
    ("admin_units", "level"): "admin_level",
    ("seats", "level"): "admin_level",
    ("assets", "type"): "asset_type",
    ("assets", "maintenance_state"): "maintenance_state",
    ("relocation_sites", "facilities"): "facility",
    ("facilities", "kind"): "facility_kind",   # village services
    # household members
    ("household_members", "relation"): "relation",
    ("household_members", "sex"): "sex",
    ("household_members", "school_stage"): "school_stage",
    ("household_members", "labour"): "labour",
}
