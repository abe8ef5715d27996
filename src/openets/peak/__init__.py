"""Carbon-peak analytics for pilot cities and parks: inventories by sector, peak detection,
Kaya/LMDI decomposition, projections and the pilot scorecard."""
