"""MRV: monitoring, reporting and verification of covered entities' emissions."""
