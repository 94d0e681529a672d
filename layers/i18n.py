"""The interface's words in Chinese (default) and English: page titles, layer names, legends, popups, exports."""
from __future__ import annotations

from geo import vocab

LANGS = ("zh", "en")

# key -> (zh, en)
UI = {
    "choose": ("请选择", "Choose"),  # placeholder of an empty multiselect or selectbox
    # app and navigation
    "app_title": ("底线 · 防止返贫监测", "Dixian · holding the line after poverty exit"),
    "language": ("语言 / Language", "语言 / Language"),
    "role": ("角色", "Role"),
    "role_planner": ("规划人员（县乡村振兴局等）", "County planner"),
    "role_inspector": ("巡查人员", "Inspector"),
    "role_water": ("县水利局", "Water bureau"),
    "page_overview": ("总览", "Overview"),
    "page_map": ("地图", "Map"),
    "page_ledgers": ("台账", "Ledgers"),
    "page_rectification": ("整改清单", "Rectification list"),
    "page_print": ("挂图", "Wall map"),
    "page_inspect_capture": ("巡查录入", "Log a check"),
    "page_inspect_review": ("巡查审核", "Review checks"),
    "page_water_plan": ("应急供水", "Emergency water supply"),
    "page_water_later": ("应急供水（建设中）", "Emergency water (coming)"),
    "water_later_text": ("县水利局的应急供水页面将在此处提供。", "The water bureau's emergency-supply page will be here."),
    "inspections_missing": ("巡查页面尚未安装（views/inspect_capture.py、views/inspect_review.py）。",
                            "The inspection pages are not installed yet (views/inspect_capture.py, "
                            "views/inspect_review.py)."),
    # filters
    "township": ("乡镇", "Township"),
    "village": ("行政村", "Administrative village"),
    "natural_village": ("自然村", "Natural village"),
    "category": ("农户类别", "Household category"),
    "all": ("全部", "All"),
    "search": ("按名称或12位代码查找", "Search by name or 12-digit code"),
    "search_none": ("没有找到匹配项。", "Nothing matches."),
    "search_pick": ("定位到", "Go to"),
    "rule_set": ("规则集", "Rule set"),
    "basemap": ("底图", "Basemap"),
    "layers": ("图层", "Layers"),
    "filters": ("筛选", "Filters"),
    # checks
    "checks_not_run": ("尚未运行检查", "checks not run yet"),
    "checks_not_run_cmd": ("运行以下命令后刷新：", "Run these commands, then reload:"),
    "no_data": ("数据库中还没有数据。运行 `python -m geo demo` 载入示范县，或 `python -m geo import DIR`。",
                "The database holds no data yet. Run `python -m geo demo` for the demo county, "
                "or `python -m geo import DIR`."),
    # layers
    "layer_admin": ("行政区划与驻地", "Boundaries and seats"),
    "layer_risk": ("监测对象（返贫风险）", "Monitored households (risk)"),
    "layer_risk_share": ("监测人口占比（按行政村）", "Share of population monitored (per village)"),
    "layer_housing": ("住房安全", "Housing safety"),
    "layer_assets": ("扶贫项目资产", "Poverty-alleviation assets"),
    "layer_water": ("饮水安全：水源", "Drinking water: sources"),
    "layer_water_zones": ("水源保护区", "Source protection zones"),
    "layer_water_hh": ("取水不达标农户", "Households failing the water-fetch rule"),
    "layer_water_nv": ("自然村取水达标率", "Water-fetch compliance per natural village"),
    "layer_roads": ("道路", "Roads"),
    "layer_nv_roads": ("自然村通硬化路状况", "Natural villages by road status"),
    "layer_relocation": ("易地扶贫搬迁安置点", "Relocation sites"),
    "layer_inspections": ("巡查", "Inspections"),
    "aggregated_note": ("要素过多，已按自然村汇总；选择乡镇可看到单个要素。",
                        "Too many features: aggregated per natural village; pick a township to see each one."),
    "legend": ("图例", "Legend"),
    # legend entries
    "share_0": ("< 5%", "< 5%"), "share_1": ("5–10%", "5–10%"), "share_2": ("10–20%", "10–20%"),
    "share_3": ("≥ 20%", "≥ 20%"), "share_na": ("无数据", "no data"),
    "overdue_visit": ("走访逾期", "visit overdue"),
    "idle_dangerous": ("闲置危房（须保持空置）", "idle dangerous house (must stay empty)"),
    "unregistered": ("未确权登记（超3个月）", "not registered (over 3 months)"),
    "hardened": ("硬化路", "hardened road"),
    "not_hardened": ("未硬化", "not hardened"),
    "road_gap": ("缺硬化路（应通未通）", "road gap (required, none)"),
    "road_ok": ("已通硬化路", "has a hardened road"),
    "road_not_required": ("不要求", "not required"),
    "disconnected": ("未连通乡镇驻地", "not connected to the seat"),
    "compliant_share": ("达标率", "compliant share"),
    "seat": ("驻地", "seat"),
    "county_seat": ("县城", "county seat"), "township_seat": ("乡镇驻地", "township seat"),
    "village_seat": ("村委会", "village committee"),
    "township_boundary": ("乡镇界", "township boundary"), "village_boundary": ("村界", "village boundary"),
    "occupancy": ("入住率", "occupancy"),
    "inspection_open": ("待审核", "open"), "inspection_overdue": ("逾期未巡查", "overdue"),
    # popup fields
    "id": ("编号", "ID"), "name": ("名称", "Name"), "code": ("代码", "Code"),
    "head_name": ("户主", "Head of household"), "members": ("人口", "Members"),
    "monitor_state": ("监测状态", "State"), "risk_types": ("风险类型", "Risk types"),
    "support_contact": ("帮扶联系人", "Support contact"), "last_visit_on": ("最近走访", "Last visit"),
    "grade": ("鉴定等级", "Grade"), "appraised_on": ("鉴定日期", "Appraised on"),
    "renovation_state": ("改造状态", "Renovation"), "idle": ("闲置", "Idle"),
    "type": ("资产类型", "Asset type"), "value_yuan": ("价值（元）", "Value (yuan)"),
    "registered_on": ("确权登记日期", "Registered on"), "accepted_on": ("竣工验收日期", "Accepted on"),
    "owner": ("所有权人", "Owner"), "custodian": ("管护责任人", "Custodian"),
    "maintenance_state": ("管护状态", "Maintenance"),
    "kind": ("类型", "Kind"), "status": ("状态", "Status"), "capacity_m3_per_day": ("供水能力（m³/日）", "Capacity (m³/day)"),
    "people_served": ("受益人口", "People served"), "piped_to_home": ("入户", "Piped to home"),
    "guarantee_rate": ("供水保证率", "Supply guarantee rate"),
    "disinfection": ("消毒设备", "Disinfection"), "water_manager": ("水管员", "Water manager"),
    "source": ("取水水源", "Water source"), "horizontal_m": ("水平距离（米）", "Horizontal (m)"),
    "vertical_m": ("垂直距离（米）", "Vertical (m)"), "round_trip_min": ("往返时间（分钟）", "Round trip (min)"),
    "distance_basis": ("距离依据", "Distance basis"), "failed_clauses": ("不达标条款", "Failed clauses"),
    "compliant": ("达标", "Compliant"),
    "not_working": ("非正常（季节性缺水、断水、污染）", "not working (seasonal, failed, contaminated)"),
    "surface": ("路面", "Surface"), "class": ("等级", "Class"), "bus": ("通客车", "Bus"),
    "all_season": ("全天候", "All-season"),
    "households": ("户数", "Households"), "population": ("人口", "Population"),
    "road_distance_m": ("距硬化路（米）", "To hardened road (m)"), "required": ("应通硬化路", "Required"),
    "has_hardened_road": ("已通硬化路", "Has hardened road"), "gap": ("缺口", "Gap"),
    "connected_to_seat": ("连通乡镇驻地", "Connected to the seat"),
    "network_km_to_seat": ("到乡镇驻地路网距离（公里）", "Network km to seat"),
    "capacity_households": ("设计安置户数", "Capacity (households)"),
    "relocated_households": ("已搬迁户数", "Relocated households"), "facilities": ("配套设施", "Facilities"),
    "without_worker": ("无就业户", "Households without a worker"),
    "monitored_households": ("监测户数", "Monitored households"), "monitored_people": ("监测人口", "Monitored people"),
    "share": ("占比", "Share"), "count": ("数量", "Count"),
    "yes": ("是", "yes"), "no": ("否", "no"), "unknown": ("未知", "unknown"),
    "network": ("路网", "along the network"), "straight": ("直线", "straight line"),
    "explain_title": ("检查说明", "What the check found"),
    "explain_hint": ("点击地图上的农户或自然村，查看饮水与道路检查的详细说明。",
                     "Click a household or natural village on the map to see the water and road explanation."),
    "explain_missing": ("检查说明模块尚未安装（geo.checks.explain）。", "The check explanation (geo.checks.explain) "
                        "is not installed yet."),
    "elevation_profile": ("高程剖面", "Elevation profile"),
    # overview
    "indicator": ("指标", "Indicator"), "value": ("数值", "Value"), "target": ("目标", "Target"),
    "rule": ("依据", "Source rule"), "drill_hint": ("点选乡镇查看其行政村。", "Select a township to see its villages."),
    "per_township": ("各乡镇", "Per township"), "per_village": ("各行政村", "Per village"),
    "county_total": ("全县", "County"),
    "ind_monitored": ("监测对象户数", "Monitored households"),
    "ind_monitored_people": ("监测对象人口", "Monitored people"),
    "ind_overdue_visits": ("走访逾期户数", "Overdue visits"),
    "ind_dangerous_houses": ("C/D级危房未达安全住房", "Dangerous houses (C/D) not yet safe"),
    "ind_water_fail_hh": ("取水不达标户数", "Households failing the water-fetch rule"),
    "ind_water_fail_people": ("取水不达标人口", "People in households failing the water rule"),
    "ind_road_gaps": ("缺硬化路的自然村", "Natural villages with a road gap"),
    "ind_relocation_no_worker": ("搬迁户无就业", "Relocated households without a worker employed"),
    "ind_assets_unregistered": ("资产超3个月未确权登记", "Assets not registered within 3 months"),
    "ind_inspections_open": ("巡查待审核", "Inspections open"),
    "ind_inspections_overdue": ("巡查逾期", "Inspections overdue"),
    "by_category": ("按类别", "By category"), "by_risk": ("按风险类型", "By risk type"),
    # ledgers and rectification
    "ledger_layer": ("台账", "Ledger"), "export_xlsx": ("导出 Excel", "Export Excel"),
    "rows": ("行", "rows"), "show_closed": ("显示已销号", "Show closed items"),
    "rect_kind": ("类别", "Kind"), "rect_subject": ("对象编号", "Subject"), "rect_problem": ("问题", "Problem"),
    "rect_detail": ("详情", "Detail"), "rect_owner": ("责任人/单位", "Owner"), "rect_opened": ("发现日期", "Opened"),
    "rect_due": ("整改时限", "Due"), "rect_closed": ("销号日期", "Closed"), "rect_closed_by": ("销号依据", "Closed by"),
    "rect_overdue": ("已超期", "Overdue"), "rect_open_n": ("未销号", "Open"), "rect_closed_n": ("已销号", "Closed"),
    "rect_village": ("行政村", "Village"), "rect_township": ("乡镇", "Township"),
    "kind_water": ("饮水", "water"), "kind_road": ("道路", "road"), "kind_housing": ("住房", "housing"),
    "kind_asset": ("资产", "asset"),
    # printing
    "print_township": ("选择乡镇", "Township"), "print_make": ("生成挂图", "Make the wall map"),
    "print_png": ("下载 PNG", "Download PNG"), "print_pdf": ("下载 PDF（A3）", "Download PDF (A3)"),
    "print_title": ("{name}挂图作战图", "{name}: map for the wall"),
    "print_date": ("制图日期", "Made on"), "print_source": ("数据来源", "Data source"),
    "print_source_text": ("底线平台数据库（{db}），检查规则：{rule}", "Dixian database ({db}); check rules: {rule}"),
    "north": ("北", "N"),
    "payload": ("地图数据量", "Map payload"),
}

# The failing clauses of the water check and the problems of the rectification list.
PROBLEM = {
    "horizontal": ("取水水平距离超限", "horizontal distance too far"),
    "vertical": ("取水垂直距离超限", "vertical distance too high"),
    "time": ("单次取水往返超时", "round trip too long"),
    "guarantee": ("供水保证率不足", "supply guarantee too low"),
    "no_source": ("无正常水源", "no working source"),
    "piped": ("未入户", "not piped to the home"),
    "road_gap": ("自然村未通硬化路", "natural village without a hardened road"),
    "dangerous_house": ("危房未改造到位", "dangerous house not yet safe"),
    "idle_occupied": ("闲置危房有人居住", "idle dangerous house occupied"),
    "asset_unregistered": ("资产未按期确权登记", "asset not registered in time"),
    "asset_broken": ("资产损坏或闲置", "asset broken or idle"),
}

# Source rules (shared/DOMAIN.md) quoted beside each indicator.
RULE = {
    "monitored": ("陇县2021：监测对象动态管理", "Long County 2021: monitored households"),
    "visits": ("陇县2021：监测户每月走访，每户每年至少一次", "Long County 2021: monthly contact visits"),
    "housing": ("住房安全保障：C/D级危房须改造到安全入住", "Safe housing: C/D houses renovated to safe occupancy"),
    "water": ("陇县2021任务27；全国农村饮水安全评价准则：往返≤20分钟、水平≤800米、垂直≤80米",
              "Long County 2021 task 27; national evaluation: round trip ≤ 20 min, ≤ 800 m, ≤ 80 m"),
    "road": ("汉中2018、新平2018：30户以上自然村通硬化路", "Hanzhong 2018, Xinping 2018: hardened road to "
             "natural villages of ≥ 30 households"),
    "relocation": ("易地扶贫搬迁后续扶持：每户至少一人就业", "Relocation follow-up: at least one worker per household"),
    "assets": ("陇县2021：竣工验收后3个月内确权登记", "Long County 2021: registration within 3 months of acceptance"),
    "inspections": ("巡查审核流程：村→乡→县", "Inspection review: village → township → county"),
}


def t(key: str, lang: str = "zh", **fmt) -> str:
    """The interface string `key` in `lang`; the key itself when unknown, so a missing word shows, not crashes."""
    pair = UI.get(key) or PROBLEM.get(key) or RULE.get(key)
    text = key if pair is None else (pair[0] if lang == "zh" else pair[1])
    return text.format(**fmt) if fmt else text


def problem(code: str, lang: str = "zh") -> str:
    return vocab.label(PROBLEM, code, lang)


def clauses(codes, lang: str = "zh") -> str:
    """Failed clause codes as one readable phrase."""
    if codes is None:
        return ""
    sep = "；" if lang == "zh" else "; "
    return sep.join(problem(c, lang) for c in codes)


def yes_no(value, lang: str = "zh") -> str:
    if value is None or value != value:
        return t("unknown", lang)
    return t("yes" if value else "no", lang)
