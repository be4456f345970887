"""Portal entry point (``streamlit run streamlit_app.py``); the pages live in ``portal/``."""

from portal.app import run

run()
