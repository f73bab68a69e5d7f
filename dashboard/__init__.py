"""Streamlit dashboard over the published BI file (`make dashboard`)."""
