"""Windows between two ordered times (shipped within a week of the order) are found, kept by samples, saved."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle

from skbfn import BFNGenerator
from skbfn._encoding.relations import describe_relations
from skbfn._encoding.table import TableEncoder
from skbfn._encoding.windows import Window, windows_from_json

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=300, n_steps=10, n_elbo_draws=8)


def _orders(n_rows: int = 600, seed: int = 0, most_days: int = 7) -> pd.DataFrame:
    """Orders over a year, each shipped 1 to ``most_days`` days after it was placed (a time of day), and an
    amount that is no time."""
    rng = np.random.default_rng(seed)
    placed = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86_400, n_rows), "s")
    shipped = placed.normalize() + pd.to_timedelta(rng.integers(1, most_days + 1, n_rows), "D")
    low = rng.normal(100, 30, n_rows).round(2)
    return pd.DataFrame(
        {"placed": placed, "shipped": shipped, "low": low, "high": (low + rng.uniform(0, 5, n_rows)).round(2)}
    )


def test_a_window_between_two_ordered_times_is_found_and_between_numbers_none():
    X = _orders()
    encoder = TableEncoder().fit(X)
    gap = float((X["shipped"] - X["placed"]).dt.total_seconds().max())
    assert encoder.windows_ == [Window(0, 1, gap)]  # the pair of numbers is ordered, but has no window
    assert (0, 1) in encoder.orders_ and (2, 3) in encoder.orders_
    assert f"shipped - placed <= {gap / 86_400:.4g} days" in describe_relations(encoder)


def test_a_window_the_ranges_nearly_imply_or_too_few_rows_keep_is_none():
    wide = _orders(most_days=3000)  # shipped up to eight years later: times drawn apart are rarely further apart
    assert TableEncoder().fit(wide).windows_ == []
    few = _orders(n_rows=15)  # fewer than an order needs
    assert TableEncoder().fit(few).windows_ == []


def test_samples_keep_the_window_the_model_alone_leaves():
    X = _orders()
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    gap = pd.Timedelta(seconds=gen.encoder_.windows_[0].gap)
    kept = gen.sample(500, random_state=0)
    assert ((kept["shipped"] - kept["placed"]) <= gap).all() and (kept["placed"] <= kept["shipped"]).all()
    alone = gen.set_params(enforce_bounds=False).sample(500, random_state=0)
    assert ((alone["shipped"] - alone["placed"]) > gap).any()  # the window is the sampler's, not the network's


def test_windows_are_written_read_back_and_bad_entries_refused(tmp_path):
    X = _orders()
    gen = BFNGenerator(**{**SMALL, "max_iter": 50}, random_state=0).fit(X)
    documents = [w.to_dict() for w in gen.encoder_.windows_]
    assert windows_from_json(documents, gen.encoder_.columns_) == gen.encoder_.windows_
    for corrupt in ({"gap": 0}, {"gap": float("nan")}, {"low": 2}, {"high": 0}, {"extra": 1}):
        with pytest.raises(ValueError, match="windows hold an invalid entry"):
            windows_from_json([{**documents[0], **corrupt}], gen.encoder_.columns_)
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
