"""Portal entry point (``streamlit run streamlit_app.py``); the pages live in ``portal/``."""

from portal.uploads import guard_uploads

guard_uploads()  # first, before the heavy imports: a viewer's session may not park files

from portal.app import run  # noqa: E402

run()
