"""Benchmarks of the platform's heavy paths, run by hand and not as tests; each module is a script with --help."""
