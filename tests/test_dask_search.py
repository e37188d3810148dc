"""Hyper-parameter search on a dask.distributed cluster through joblib's Dask backend."""

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.model_selection import GridSearchCV

from skbfn import BFNGenerator

distributed = pytest.importorskip("distributed")  # in the test extra; optional for users


def test_grid_search_runs_on_a_local_dask_cluster():
    import joblib

    X = make_moons(300, noise=0.1, random_state=0)[0]
    base = BFNGenerator(
        hidden_layer_sizes=(16,), time_embedding_dim=8, max_iter=30, n_steps=5, n_elbo_draws=4, random_state=0
    )
    grid = {"sigma_1": [0.02, 0.2], "learning_rate_init": [1e-3, 3e-3]}
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
            search = GridSearchCV(base, grid, cv=2, n_jobs=-1).fit(X)
        workers_used = {task["worker"] for task in stream.data}
        cluster_workers = set(client.scheduler_info()["workers"])
    local = GridSearchCV(base, grid, cv=2).fit(X)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"])
    assert search.best_params_ == local.best_params_
    assert workers_used and workers_used <= cluster_workers  # the fits ran on the cluster's workers
