"""Shared test settings."""

from hypothesis import settings

# CI machines are small and shared: judge properties, not timings.
settings.register_profile("skbfn", deadline=None, max_examples=50)
settings.load_profile("skbfn")
