"""beta_1='auto': each categorical column's final accuracy from its number of classes."""

from __future__ import annotations

import itertools
import math
import pickle

import numpy as np
import pandas as pd
import pytest

import skbfn
from skbfn import BFNGenerator
from skbfn._model.architecture import categorical_accuracy
from skbfn.core.flows import CategoricalColumnsFlow

SMALL = dict(hidden_layer_sizes=(32,), time_embedding_dim=16, max_iter=20, n_steps=5, n_elbo_draws=8)


def test_narrow_columns_keep_four_and_wider_ones_get_less_in_proportion_to_ln_k_over_k():
    assert [categorical_accuracy(k) for k in (2, 3, 10, 20)] == [4.0, 4.0, 4.0, 4.0]
    wide = [categorical_accuracy(k) for k in (21, 51, 120, 200, 1000)]
    assert all(a > b for a, b in itertools.pairwise(wide)) and 3.8 < wide[0] < 4.0
    for k in (21, 51, 200):  # beta(1) K / ln K, how far the sender reveals a column, is the same for all
        assert categorical_accuracy(k) * k / math.log(k) == pytest.approx(4.0 * 20 / math.log(20))
    assert categorical_accuracy(200, 2.5) == 2.5 and categorical_accuracy(2, 2.5) == 2.5


def _frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "city": [f"City {k}" for k in rng.integers(0, 60, n)],  # 60 levels, 10 rows each
            "plan": rng.choice(["a", "b", "c"], n),
            "x": rng.normal(size=n),
        }
    )


def _accuracies(gen) -> dict[int, float]:
    """Classes of each categorical column in the model's flow, to its part's accuracy."""
    return {
        k: part.beta_1
        for part, _ in gen.model_.flow.parts
        if isinstance(part, CategoricalColumnsFlow)
        for k in part.n_classes
    }


def test_a_wide_column_gets_its_own_accuracy_and_a_number_is_every_columns(tmp_path):
    frame = _frame()
    gen = BFNGenerator(**SMALL, category_shares="model", random_state=0).fit(frame)
    assert gen.beta_1 == "auto" and _accuracies(gen) == {60: categorical_accuracy(60), 3: 4.0}
    path = tmp_path / "m.skbfn"
    skbfn.save(gen, path)
    for again in (skbfn.load(path), pickle.loads(pickle.dumps(gen))):  # rebuilt at the same accuracies
        assert _accuracies(again) == _accuracies(gen)
        np.testing.assert_allclose(again.score_samples(frame[:20]), gen.score_samples(frame[:20]), rtol=1e-5)
    fixed = BFNGenerator(**SMALL, beta_1=4.0, category_shares="model", random_state=0).fit(frame)
    assert _accuracies(fixed) == {60: 4.0, 3: 4.0}
    with pytest.raises(ValueError, match="beta_1"):
        BFNGenerator(beta_1="wide").fit(frame)
