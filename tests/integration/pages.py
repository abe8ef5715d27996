"""Reading the dashboard's HTML in the web tests: text, table rows and cells, fact fields,
chart options, by the ``data-*`` attributes the templates put on them."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any


def text_of(html: str) -> str:
    """The text of an HTML fragment, tags dropped and whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip()


def row_of(html: str, **attributes: str) -> str:
    """The inside of the first ``<tr>`` carrying every ``data-<key>="<value>"`` given."""
    wanted = "".join(rf'[^>]* data-{k}="{re.escape(v)}"' for k, v in attributes.items())
    match = re.search(rf"<tr{wanted}[^>]*>(.*?)</tr>", html, re.S)
    assert match is not None, f"no row {attributes}"
    return match.group(1)


def col(row: str, name: str) -> str:
    """The text of a row's cell ``data-col="<name>"``."""
    match = re.search(rf'<t[dh][^>]* data-col="{name}"[^>]*>(.*?)</t[dh]>', row, re.S)
    assert match is not None, f"no cell {name}"
    return text_of(match.group(1))


def field(html: str, name: str) -> str:
    """The text of a fact ``<dd data-field="<name>">``."""
    match = re.search(rf'<dd[^>]* data-field="{name}"[^>]*>(.*?)</dd>', html, re.S)
    assert match is not None, f"no field {name}"
    return text_of(match.group(1))


def chart_options(html: str, chart: str) -> dict[str, Any]:
    """The ECharts options of chart ``<chart>`` (its JSON script element)."""
    assert f'data-chart="{chart}-options"' in html
    match = re.search(
        rf'<script type="application/json" id="{re.escape(chart)}-options">(.*?)</script>',
        html,
        re.S,
    )
    assert match is not None, f"no chart {chart}"
    options: dict[str, Any] = json.loads(match.group(1))
    return options
