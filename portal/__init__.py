"""The Streamlit portal: offline web assets, map construction, translations, pages.

Only this package imports streamlit; ``layers`` stays UI-free.
"""
