"""The Textual app: `app.py` (the App and its keys), `panes/` (one widget per file)."""
