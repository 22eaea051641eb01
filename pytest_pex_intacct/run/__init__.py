"""The pytest side of a company run: options and settings, the check machinery and fixtures, the run's hooks."""
