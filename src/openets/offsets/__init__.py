"""Offsets and carbon inclusion: CCER, PHCER (碳普惠) and carbon-sink projects.

Methodologies (the calculation of reductions per monitoring period) are plug-ins in
:mod:`openets.offsets.methodologies`; projects, issuance, revenue and retirement build on the
registry.
"""
