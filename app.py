"""Streamlit entry: navigation by role; no logic of its own."""
import streamlit as st

st.set_page_config(page_title="底线 Dixian", layout="wide")
st.title("底线 · 防止返贫监测")
