"""The dashboard under `/dashboard`: server-rendered pages (Jinja2) over the engine and store,
with one plain script (`static/app.js`) for refresh, modals, logs and keyboard triage."""
