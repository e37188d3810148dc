"""Shared test settings."""

from hypothesis import settings

# CI machines are small and shared: judge properties, not timings.
settings.register_profile("skbfn", deadline=None, max_examples=50)
settings.load_profile("skbfn")

# Small, fast estimator settings shared by the behaviour tests.
FAST = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=150, n_steps=10, n_elbo_draws=8)
