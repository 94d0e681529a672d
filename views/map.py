"""地图 Map: the planner's layers on one map, filters and search; a click shows the check's explanation."""
import streamlit as st

from accounts.ui import plain
from board import explain, mapframe, search, session, widgets
from geo.i18n import t
from geo.settings import settings
from layers import basemaps, mapview
from layers.popup import id_from_tip

lg = session.lang()
st.header(t("page_map", lg))
with session.connection() as conn:
    if widgets.has_data(conn):
        sb = st.sidebar
        layer_keys = widgets.keep(sb.multiselect, t("layers", lg), list(mapview.LAYERS), "map_layers",
                                  list(mapview.DEFAULT_LAYERS), format_func=lambda k: t(mapview.LAYER_TITLES[k], lg))
        maps = basemaps.available()
        basemap = widgets.keep(sb.selectbox, t("basemap", lg), list(maps), "map_base", "plain",
                               format_func=lambda k: maps[k].label(lg))
        f = widgets.scope(conn, "map", category=True)
        rule_set = widgets.rule_set_choice(conn, "map_rule")
        f = type(f)(f.township, f.village, f.category, rule_set)
        q = sb.text_input(t("search", lg), key="map_search")
        center = zoom = None
        if q.strip():
            hits = search.find(conn, q)
            if hits.empty:
                sb.caption(t("search_none", lg))
            else:
                i = sb.selectbox(t("search_pick", lg), list(hits.index),
                                 format_func=lambda i: f"{hits.at[i, 'name']} · {hits.at[i, 'id']}", key="map_hit")
                center, zoom = (float(hits.at[i, "lat"]), float(hits.at[i, "lon"])), 16
                center = basemaps.shift_point(maps[basemap], center)
        widgets.checks_notice(conn, rule_set)
        payload, info = mapframe.cached_payload(settings.url, session.stamp(conn), f, tuple(layer_keys), lg,
                                                basemap, session.who())
        for key, why in info.unavailable.items():
            st.info(plain(why))
        if info.aggregated:
            st.caption(t("aggregated_note", lg))
        left, right = st.columns([3, 1])
        with left:
            clicked = mapframe.show(payload, center=center, zoom=zoom)
        with right:
            st.markdown(f"**{t('explain_title', lg)}**")
            subject = id_from_tip((clicked or {}).get("last_object_clicked_tooltip"))
            if subject:
                explain.panel(conn, subject, info.rule_set, lg)
            else:
                st.caption(t("explain_hint", lg))
        st.caption(f"{t('payload', lg)}: {payload['bytes'] / 1024:,.0f} KB · "
                   + " · ".join(f"{k} {v}" for k, v in info.features.items())
                   + (f" · {t('tiled_layers', lg)}: {t('list_sep', lg).join(info.tiled)}" if info.tiled else ""))
