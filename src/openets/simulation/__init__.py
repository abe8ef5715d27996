"""Policy simulation: firms with marginal abatement cost curves under an ETS, a carbon tax or
both; equilibrium prices per year, banking, scenario comparison and parameter sweeps."""
