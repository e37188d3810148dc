"""The package's layout holds: layers import downwards only, no module takes another's private names,
renamed names still work (with a warning), and fit's validation bound is score_samples' bound."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.utils import check_random_state

from skbfn import BFNGenerator, BFNImputer
from skbfn._device import MAX_SEED
from skbfn._inference.scoring import BoundSettings, elbo_per_row
from skbfn._model.config import TrainingConfig
from skbfn._model.training import validation_score
from skbfn.core import BFN, CellMask
from skbfn.core.nets import MLP

PACKAGE = Path(__file__).parents[1] / "skbfn"
# Each room may import only from rooms on lower layers (and from itself).
LAYERS = {
    "core": 0,
    "_version": 1,
    "_json": 1,
    "_device": 1,
    "_formats": 1,
    "_encoding": 2,
    "metrics": 3,  # reads tables as the encoder does (dates held as strings)
    "_inference": 3,
    "_model": 4,
    "_estimators": 5,
    "_persistence": 6,
    "__init__": 7,
}
SMALL = dict(hidden_layer_sizes=(16,), time_embedding_dim=8, max_iter=20, n_steps=5, n_elbo_draws=8)


def _room(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path, source: str | None = None):
    """``(room imported, names taken)`` for every import of a skbfn module in ``path`` (or in ``source``, as if
    it were that file's text)."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text() if source is None else source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = [*base, *(node.module.split(".") if node.module else [])]
            else:
                module = node.module.split(".")
            if module[0] != "skbfn":
                continue
            names = [alias.name for alias in node.names]
            if len(module) == 1:  # `from . import x` or `from skbfn import x`: the names are rooms
                for name in names:
                    yield name, []
            else:
                yield module[1], names
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "skbfn" and len(parts) > 1:
                    yield parts[1], []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_down_the_layers_and_take_no_private_names(path):
    room = _room(path)
    for imported, names in _imports(path):
        if imported == room:
            continue
        assert imported in LAYERS, f"{path} imports {imported}, which has no layer"
        assert LAYERS[imported] < LAYERS[room], f"{path} ({room}) imports {imported}, a room on a higher layer"
        private = [name for name in names if name.startswith("_") and not name.startswith("__")]
        assert not private, f"{path} takes the private names {private} from {imported}"


def test_the_layout_test_sees_a_violation():
    """The check above can fail: an import upwards and a private name are both found."""
    module = PACKAGE / "_encoding" / "table.py"
    assert ("core", ["bin_centre"]) in list(_imports(module))
    probe = "from .._estimators.generator import _restored_on_error\nimport skbfn._persistence.container\n"
    found = list(_imports(module, probe))
    assert found == [("_estimators", ["_restored_on_error"]), ("_persistence", [])]
    assert all(LAYERS[room] > LAYERS[_room(module)] for room, _ in found)


def test_validation_estimates_the_bound_that_score_samples_reports():
    """On a dequantised integer column too: the same draws, the same widths, the same number."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"count": rng.integers(0, 500, 200), "x": rng.normal(size=200)})
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    assert gen.encoder_.dequantisation_widths is not None  # the count column is on the integer lattice
    config = TrainingConfig.of(gen, encoder=gen.encoder_, n_rows=len(X))
    bound = BoundSettings.of(gen, gen.encoder_)
    assert config.bound.n_loss_steps == bound.n_loss_steps and config.bound.n_draws == bound.n_draws
    np.testing.assert_array_equal(config.bound.dequantisation_widths.constant, bound.dequantisation_widths.constant)

    encoded = gen.encoder_.transform(X)
    seed = int(check_random_state(0).randint(MAX_SEED))  # score_samples' seed for random_state=0
    validation = validation_score(gen.ema_, config, torch.from_numpy(encoded), None, seed)
    tail_weights = gen.encoder_.continuous_tails(X, encoded).log_inside  # ln(1 - eps) per real cell (x)
    reported = np.mean(gen.score_samples(X) - gen.encoder_.row_log_jacobian(X) - tail_weights)
    assert validation == pytest.approx(reported, rel=1e-12)
    without_widths = BoundSettings(bound.n_loss_steps, bound.n_draws, None)
    undequantised = np.mean(elbo_per_row(gen.ema_.module, encoded, None, bound=without_widths, seed=seed))
    assert abs(undequantised - reported) > 1e-3  # the widths matter, so the agreement above means something


def test_the_discrete_bound_is_chosen_in_one_place():
    gen = BFNGenerator(loss="discrete", n_loss_steps=7)
    assert BoundSettings.of(gen).n_loss_steps == 7 and TrainingConfig.of(gen).bound.n_loss_steps == 7
    assert BoundSettings.of(BFNGenerator(n_loss_steps=7)).n_loss_steps is None


def test_renamed_core_names_still_work_with_a_future_warning():
    x = torch.tensor([[0.5, float("nan")]])
    with pytest.warns(FutureWarning, match="absent_where_missing"):
        old = CellMask.missing(x)
    assert torch.equal(old.absent, CellMask.absent_where_missing(x).absent)
    with pytest.warns(FutureWarning, match="given_where_observed"):
        old = CellMask.known(x)
    assert torch.equal(old.given, CellMask.given_where_observed(x).given)
    model = BFN(MLP(2, hidden_layer_sizes=(8,)), 2).eval()
    rows = torch.rand(3, 2) - 0.5
    with pytest.warns(FutureWarning, match="n_loss_steps"):
        old = model.elbo(rows, n_steps=5, n_draws=4, generator=torch.Generator().manual_seed(0))
    new = model.elbo(rows, n_loss_steps=5, n_draws=4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(old, new)
    with pytest.raises(TypeError, match="n_loss_steps"):
        model.train().discrete_loss(rows)


def test_the_imputer_calls_its_model_estimator_(tmp_path):
    X = np.array([[0.0, 1.0], [1.0, np.nan], [2.0, 5.0], [np.nan, 7.0]] * 10)
    imputer = BFNImputer(BFNGenerator(**SMALL), random_state=0).fit(X)
    assert isinstance(imputer.estimator_, BFNGenerator)
    with pytest.warns(FutureWarning, match="estimator_"):
        assert imputer.generator_ is imputer.estimator_


def test_sample_given_a_table_and_transform_keep_the_callers_index():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120)}, index=rng.permutation(120) + 1000)
    holey = X.head(8).copy()
    holey.loc[holey.index[::2], "b"] = np.nan
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    given = holey.copy()
    given["b"] = np.nan
    assert list(gen.sample(8, given=given).index) == list(holey.index)
    imputer = BFNImputer(BFNGenerator(**SMALL), random_state=0).fit(X)
    filled = imputer.transform(holey)
    assert list(filled.index) == list(holey.index)
    pd.testing.assert_series_equal(filled["a"], holey["a"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # set_output keeps it too, without a warning
        assert list(imputer.set_output(transform="pandas").transform(holey).index) == list(holey.index)
