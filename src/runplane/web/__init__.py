"""The dashboard under `/dashboard`: server-rendered pages (Jinja2) over the engine and the
read models in `views/`, with plain scripts (`static/`) wired through data-* attributes."""
