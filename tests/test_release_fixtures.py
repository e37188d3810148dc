"""Models written by the last release (tests/fixtures, see make_fixtures.py) load and behave as they did.

The fixtures hold what each model drew, scored and imputed when it was written; today's code must
reproduce them from the pickles and from the safetensors files alike. This is how a change of
layout shows that it changed no behaviour, and how later releases keep reading old files. (Samples are
redrawn with the release's flows: the fused flows of today draw from the same distributions in another
order of the random stream; ``test_fused_flows.py`` shows them equal.)
"""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_moons

import skbfn
from skbfn.core import ProductFlow, TableFlow

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "release_expected.json").read_text())
# The same CPU kernels give the same bits; another CPU may round float32 differently in the last place.
CLOSE = dict(rtol=1e-4, atol=1e-5)


def _messy_frame():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.messy_frame()


def _load(name: str, how: str):
    if how == "pickle":
        return pickle.loads((FIXTURES / f"release_{name}.pkl").read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", skbfn.InconsistentVersionWarning)  # written by an older skbfn
        return skbfn.load(FIXTURES / f"release_{name}.safetensors")


def _assert_same_table(found, expected: dict) -> None:
    found = pd.DataFrame(found)
    assert [str(c) for c in found.columns] == list(expected)
    for column, values in expected.items():
        got = [None if pd.isna(v) else v for v in found[column].tolist()]
        numbers = [isinstance(v, int | float) and not isinstance(v, bool) for v in values]
        if all(numbers):
            np.testing.assert_allclose(np.array(got, dtype=float), np.array(values, dtype=float), **CLOSE)
        else:
            assert got == values, column


@pytest.mark.parametrize("how", ["pickle", "safetensors"])
def test_the_release_moons_model_samples_and_scores_as_it_did(how):
    gen, expected = _load("moons", how), EXPECTED["moons"]
    X, y = make_moons(200, noise=0.1, random_state=0)
    np.testing.assert_allclose(gen.sample(20, y=1, random_state=3), expected["sample_y1"], **CLOSE)
    guided = gen.set_params(guidance_scale=2.0).sample(6, y=[0, 1, 0, 1, 0, 1], random_state=4)
    np.testing.assert_allclose(guided, expected["sample_guided"], **CLOSE)
    given = gen.set_params(guidance_scale=1.0).sample(5, given={0: 0.25}, random_state=5)
    np.testing.assert_allclose(given, expected["given"], **CLOSE)
    np.testing.assert_allclose(gen.score_samples(X[:20]), expected["scores"], **CLOSE)
    np.testing.assert_allclose(gen.score_samples(X[:20], y[:20]), expected["scores_y"], **CLOSE)


@pytest.fixture
def one_candidate(monkeypatch):
    """The category tilt's rejection sampler as the release ran it: one candidate per rejected row a round.

    Today's draws rows that are alike in batches, and several candidates a round for a rejected row with
    given cells while most rows are rejected (exact samplers too, with fewer rounds), which consumes the
    random stream differently.
    """
    import skbfn._inference.sampling

    monkeypatch.setattr(skbfn._inference.sampling, "CANDIDATES_BELOW_ACCEPTANCE", 0.0)
    monkeypatch.setattr(skbfn._inference.sampling, "EXCHANGEABLE_BATCHES", False)


def _with_release_flows(gen):
    """``gen`` running the flows the release ran: one part per run of equal column flows, not one per type.

    Both give the same losses and scores and draw from the same distributions, but the fused flows
    consume the random stream in another order, so only the release's flows redraw its samples.
    """
    flow = gen.model_.flow
    assert isinstance(flow, TableFlow)  # what loading gives today
    runs: list[list] = []
    for column in flow.column_flows:
        if runs and runs[-1][0] == column:
            runs[-1][1] += 1
        else:
            runs.append([column, 1])
    gen.model_.flow = gen.ema_.module.flow = ProductFlow([tuple(run) for run in runs])
    return gen


@pytest.mark.parametrize("how", ["pickle", "safetensors"])
def test_the_release_mixed_table_model_samples_and_scores_as_it_did(how, one_candidate):
    gen, expected = _load("mixed", how), EXPECTED["mixed"]
    frame = _messy_frame()
    holey = frame.head(20).copy()
    holey.loc[::2, "colour"] = np.nan
    holey.loc[1::2, "skewed"] = np.nan
    np.testing.assert_allclose(gen.score_samples(frame.head(30)), expected["scores"], **CLOSE)
    np.testing.assert_allclose(gen.score_samples(holey), expected["scores_holey"], **CLOSE)
    sample = gen.sample(30, random_state=6)
    assert list(sample.dtypes) == list(frame.dtypes)
    gen = _with_release_flows(gen)
    _assert_same_table(gen.sample(30, random_state=6), expected["sample"])
    _assert_same_table(gen.sample(20, given=holey, random_state=7), expected["given"])


@pytest.mark.parametrize("how", ["pickle", "safetensors"])
def test_the_release_imputer_imputes_as_it_did(how, one_candidate):
    imputer, expected = _load("imputer", how), EXPECTED["imputer"]
    _with_release_flows(imputer.estimator_)
    holey = _messy_frame().head(20).copy()
    holey.loc[::2, "colour"] = np.nan
    holey.loc[1::2, "skewed"] = np.nan
    _assert_same_table(imputer.transform(holey), expected["transform"])
    _assert_same_table(imputer.set_params(sample_posterior=True).transform(holey), expected["posterior"])


def test_training_from_the_same_seed_follows_the_release_loss_curve():
    """Fitting is unchanged too: the same seed gives the losses the release recorded (with missingness
    indicators and dropout off, which the release did not have)."""
    from skbfn import BFNGenerator

    X, y = make_moons(200, noise=0.1, random_state=0)
    small = dict(hidden_layer_sizes=(16, 16), time_embedding_dim=8, max_iter=30, n_steps=5, n_elbo_draws=8)
    gen = BFNGenerator(**small, random_state=0, device="cpu").fit(X, y)
    np.testing.assert_allclose(gen.loss_curve_, EXPECTED["moons"]["loss_curve"], rtol=1e-3)
    mixed = BFNGenerator(
        **small, continuous_transform="auto", reproduce_missing=False, dropout=0.0, random_state=1, device="cpu"
    )
    mixed.fit(_messy_frame())
    np.testing.assert_allclose(mixed.loss_curve_, EXPECTED["mixed"]["loss_curve"], rtol=1e-3)
