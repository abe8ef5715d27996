"""Dashboard labels of the sim pages,
in English and Chinese (merged by :mod:`openets.web.i18n`)."""

from __future__ import annotations

EN: dict[str, str] = {
    "sim.title": "Policy simulation",
    "sim.help": (
        "Simulate a carbon market with firms' marginal abatement cost curves: the cap, a price "
        "floor and ceiling, banking, offsets and a carbon tax, alone or together. Edit the two "
        "scenarios (TOML, as for `openets sim run`) and compare them."
    ),
    "sim.scenarios": "Scenarios",
    "sim.examples": "Examples",
    "sim.example.cap_and_trade": "Cap and trade",
    "sim.example.tax_and_ets": "ETS with a carbon tax as a floor",
    "sim.example.banking": "Cap and trade with banking",
    "sim.scenario_a": "Scenario A",
    "sim.scenario_b": "Scenario B (optional)",
    "sim.run": "Simulate and compare",
    "sim.comparison": "Comparison",
    "sim.chart.price": "Allowance price per year (yuan/t)",
    "sim.chart.emissions": "Emissions per year, covered and uncovered (t)",
    "sim.chart.abatement": "Abatement per year (t)",
    "sim.unit.price": "yuan/t",
    "sim.unit.t": "t",
    "sim.col.year": "Year",
    "sim.col.price": "Price (yuan/t)",
    "sim.col.emissions": "Emissions (t)",
    "sim.col.covered": "Covered (t)",
    "sim.col.uncovered": "Uncovered (t)",
    "sim.col.abatement": "Abatement (t)",
    "sim.col.cost": "Abatement cost (yuan)",
    "sim.col.tax_revenue": "Tax revenue (yuan)",
    "sim.col.auction_revenue": "Auction revenue (yuan)",
    "sim.col.bank": "Bank (t)",
    "sim.total": "Total (price: mean)",
    "sim.rounding": "Prices rounded to 2 decimals here, tonnes and yuan to whole units.",
}
ZH: dict[str, str] = {
    "sim.title": "政策模拟",
    "sim.help": (
        "以企业边际减排成本曲线模拟碳市场：总量、价格下限与上限、配额储存、抵销和碳税，可单独或组合使用。"
        "编辑两个情景（TOML 格式，与 `openets sim run` 相同）并进行比较。"
    ),
    "sim.scenarios": "情景",
    "sim.examples": "示例",
    "sim.example.cap_and_trade": "总量控制与交易",
    "sim.example.tax_and_ets": "碳市场加碳税价格下限",
    "sim.example.banking": "允许储存的总量控制与交易",
    "sim.scenario_a": "情景 A",
    "sim.scenario_b": "情景 B（可选）",
    "sim.run": "模拟并比较",
    "sim.comparison": "比较",
    "sim.chart.price": "各年配额价格（元/吨）",
    "sim.chart.emissions": "各年排放量，含纳入与未纳入（吨）",
    "sim.chart.abatement": "各年减排量（吨）",
    "sim.unit.price": "元/吨",
    "sim.unit.t": "吨",
    "sim.col.year": "年份",
    "sim.col.price": "价格（元/吨）",
    "sim.col.emissions": "排放量（吨）",
    "sim.col.covered": "纳入（吨）",
    "sim.col.uncovered": "未纳入（吨）",
    "sim.col.abatement": "减排量（吨）",
    "sim.col.cost": "减排成本（元）",
    "sim.col.tax_revenue": "碳税收入（元）",
    "sim.col.auction_revenue": "拍卖收入（元）",
    "sim.col.bank": "储存（吨）",
    "sim.total": "合计（价格：平均）",
    "sim.rounding": "此处价格保留两位小数，吨和元取整。",
}
