"""The web dashboard (Jinja2 + HTMX + ECharts); :func:`openets.web.routes.install_web`."""
