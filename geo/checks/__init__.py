"""Spatial checks: water-fetch compliance and road coverage, rule sets, explanations and the benchmark."""
