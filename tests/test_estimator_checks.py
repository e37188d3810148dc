"""scikit-learn's own estimator checks on a small, fast BFNGenerator (none is expected to fail)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skbfn import BFNGenerator

FAST = BFNGenerator(hidden_layer_sizes=(16,), time_embedding_dim=8, max_iter=20, n_steps=5, n_elbo_draws=4)


@parametrize_with_checks([FAST])
def test_sklearn_compatible(estimator, check):
    check(estimator)
