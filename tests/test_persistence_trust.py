"""skbfn.load under attack: one read of the file, a bounded header, nothing unknown, nothing echoed raw."""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import TINY
from sklearn.datasets import make_moons
from test_persistence_safety import _digest, _edit_document, _join, _split, _tensors, load_under_memory_cap

import skbfn._persistence.container as container
from skbfn import BFNGenerator, load, save

LOADS = 200  # pinned loads raced by the swapping thread


def test_the_file_is_opened_once_so_the_pinned_hash_covers_what_is_parsed(moons_file, monkeypatch):
    opened = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):
        if str(file) == str(moons_file):
            opened.append(args)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    pinned = hashlib.sha256(moons_file.read_bytes()).hexdigest()
    opened.clear()
    load(moons_file, expected_sha256=pinned)
    assert len(opened) == 1  # hash, header and tensors from one read: a file swapped after it is not seen


def test_a_swap_after_the_read_cannot_change_the_model(moons_file, moons_model, tmp_path, monkeypatch):
    """The bytes hashed are the bytes parsed: replacing the file once it was read changes nothing."""
    other = tmp_path / "other.safetensors"
    save(BFNGenerator(**{**TINY, "random_state": 1}).fit(make_moons(200, noise=0.1, random_state=1)[0]), other)
    pinned = hashlib.sha256(moons_file.read_bytes()).hexdigest()
    real_read = container._read_file

    def read_then_swap(path):
        data = real_read(path)
        moons_file.write_bytes(other.read_bytes())  # the attacker's swap, right after the read
        return data

    monkeypatch.setattr(container, "_read_file", read_then_swap)
    loaded = load(moons_file, expected_sha256=pinned)
    np.testing.assert_array_equal(loaded.sample(5, random_state=0), moons_model.sample(5, random_state=0))


def test_a_header_larger_than_the_cap_is_refused_before_it_is_parsed(moons_file, monkeypatch):
    header, body = _split(moons_file)
    header["padding"] = " " * (1 << 20)
    _join(moons_file, header, body)
    monkeypatch.setattr(container, "_MAX_HEADER_BYTES", 1 << 19)
    parsed, real_loads = [], json.loads
    monkeypatch.setattr(container.json, "loads", lambda *a, **k: parsed.append(1) or real_loads(*a, **k))
    with pytest.raises(ValueError, match=r"header of \d+ bytes is larger than"):
        load(moons_file)
    assert parsed == []


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda header, document: header["__metadata__"].update(extra="x" * 100), "metadata must hold"),
        (lambda header, document: document.update(payload="x" * 1000), "unknown document entries"),
        (lambda header, document: document.update(skbfn_version="0.1.0\x1b[32m model verified OK"), "version number"),
        (lambda header, document: document.update(format_version=True), "not an skbfn model file"),
    ],
)
def test_unknown_or_malformed_entries_are_refused_even_when_resigned(moons_file, edit, match):
    header, body = _split(moons_file)
    document = json.loads(header["__metadata__"]["skbfn"])
    edit(header, document)
    document["sha256"] = _digest(document, _tensors(moons_file))
    header["__metadata__"]["skbfn"] = json.dumps(document)
    _join(moons_file, header, body)
    with pytest.raises(ValueError, match=match) as info, warnings.catch_warnings():
        warnings.simplefilter("error")  # and nothing is echoed in a warning first
        load(moons_file)
    assert "\x1b" not in str(info.value)


@pytest.mark.parametrize(
    "dtype",
    ["datetime64[ns, dateutil//etc/passwd]", "datetime64[ns, ../../etc/passwd]", "int64[pyarrow]", "V16"],
)
def test_dtype_names_outside_the_allow_list_are_refused(moons_file, dtype, monkeypatch):
    _edit_document(moons_file, lambda d: d["encoder"]["columns"][0].update(dtype={"name": dtype}), resign=True)
    opened, real_open = [], builtins.open

    def recording_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", recording_open)
    with pytest.raises(ValueError, match="dtype"):
        load(moons_file)
    assert not [path for path in opened if "passwd" in path]  # no path named in the file is ever opened


@pytest.fixture(scope="module")
def frame_model():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.lognormal(size=200), "b": rng.normal(size=200)})
    y = rng.choice([0, 1], 200)
    return BFNGenerator(**TINY, continuous_transform="quantile").fit(frame, y)


@pytest.fixture
def frame_saved(frame_model, tmp_path):
    path = tmp_path / "frame.safetensors"
    save(frame_model, path)
    return path


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda d: d["encoder"]["columns"][1].update(name="a"), "names a column twice"),
        (lambda d: d.update(feature_names_in=["b", "a"]), "differ from the encoder"),
        (lambda d: d["encoder"]["columns"][1].update(categories=[1, 2]), "lists categories"),
        (lambda d: d["encoder"]["columns"][0].update(normal_scores={"x": [-1e308, 1e308], "z": [-1.0, 1.0]}), "finite"),
        (lambda d: d["encoder"]["columns"][1].update(scale=1e-310), "non-finite"),
        (lambda d: d["encoder"]["columns"][1].update(offset=10**400), "invalid model description"),
        (lambda d: d["condition"].update(classes=[True, 2]), "mix kinds"),
        (lambda d: d["params"].update(time_embedding_dim=2 * 10**9), "time_embedding_dim"),
        (lambda d: d["params"].update(device="cuda:-1"), "device"),
    ],
)
def test_fitted_state_is_cross_checked_and_every_refusal_is_a_value_error(frame_saved, edit, match):
    _edit_document(frame_saved, edit, resign=True)
    with pytest.raises(ValueError, match=match) as info:
        load(frame_saved)
    assert str(frame_saved) in str(info.value)


@pytest.mark.parametrize("stored", [[1], {"value": [1]}])
def test_an_imputer_with_a_list_as_its_missing_value_is_refused(tmp_path, stored):
    from skbfn import BFNImputer

    X = make_moons(200, noise=0.1, random_state=0)[0]
    X[::5, 1] = np.nan
    path = tmp_path / "imputer.safetensors"
    save(BFNImputer(BFNGenerator(**TINY), n_draws=3).fit(X), path)
    _edit_document(path, lambda d: d["imputer"].update(missing_values=stored), resign=True)
    with pytest.raises(ValueError, match="missing_values"):
        load(path)


@pytest.mark.parametrize("transform", ["affine", "quantile"])
def test_a_score_is_never_nan_however_far_a_value_lies(transform):
    X = np.random.default_rng(0).normal(size=(300, 1))
    gen = BFNGenerator(**TINY, continuous_transform=transform).fit(X)
    rows = np.array([[3.0], [1e3], [1e18], [1e20], [1e22], [-1e38], [1e300]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = gen.score_samples(rows)
    assert not np.isnan(scores).any()
    # beyond what the float32 model can score (from 1e18 here), the column's tail scores the value: finite
    assert np.isfinite(scores).all()
    assert scores[0] > scores[1] > scores[2] > scores[3] > scores[4] > scores[6]
    assert scores[5] < scores[1]


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda d: d["encoder"]["columns"][0].update(dtype={"name": "datetime64[ns]"}), "cannot have dtype"),
        (lambda d: d["encoder"]["columns"][0].update(dtype={"name": "bool"}), "cannot have dtype"),
        (lambda d: d["params"].update(n_steps=50_000), None),
    ],
)
def test_dtypes_must_fit_their_column_and_work_stays_bounded(frame_saved, edit, match):
    _edit_document(frame_saved, edit, resign=True)
    if match is None:  # 50,000 steps alone are allowed
        assert load(frame_saved).n_steps == 50_000
    else:
        with pytest.raises(ValueError, match=match):
            load(frame_saved)


def test_an_imputer_whose_draws_times_steps_are_too_many_is_refused(tmp_path):
    from skbfn import BFNImputer

    X = make_moons(200, noise=0.1, random_state=0)[0]
    X[::5, 1] = np.nan
    path = tmp_path / "imputer.safetensors"
    save(BFNImputer(BFNGenerator(**TINY), n_draws=3).fit(X), path)
    _edit_document(
        path, lambda d: (d["imputer"].update(n_draws=50_000), d["params"].update(n_steps=50_000)), resign=True
    )
    with pytest.raises(ValueError, match="network passes a row"):
        load(path)


def test_a_tilt_whose_largest_weight_is_not_one_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300), "c": pd.Categorical(rng.choice(["p", "q"], 300, p=[0.8, 0.2]))})
    path = tmp_path / "tilted.safetensors"
    save(BFNGenerator(**TINY).fit(frame), path)
    _edit_document(path, lambda d: d["category_tilt"].update(log_weights=[[-0.5, -1.0]]), resign=True)
    with pytest.raises(ValueError, match="largest weight"):
        load(path)


def test_a_file_swapped_back_and_forth_during_loads_never_yields_the_other_model(moons_model, tmp_path):
    """A real race: a thread keeps replacing the file with another valid model while loads pin the first's hash.

    Every load either returns the pinned model or refuses the file; none returns the other one.
    """
    import threading

    path, pinned_copy, other_copy = tmp_path / "model.safetensors", tmp_path / "a", tmp_path / "b"
    save(moons_model, pinned_copy)
    save(BFNGenerator(**{**TINY, "random_state": 1}).fit(make_moons(200, noise=0.1, random_state=1)[0]), other_copy)
    pinned = hashlib.sha256(pinned_copy.read_bytes()).hexdigest()
    versions = [pinned_copy.read_bytes(), other_copy.read_bytes()]
    expected = moons_model.sample(5, random_state=0)
    stop = threading.Event()

    def swap():
        k = 0
        while not stop.is_set():
            partial = tmp_path / f"partial-{k % 2}"
            partial.write_bytes(versions[k % 2])
            os.replace(partial, path)
            k += 1

    path.write_bytes(versions[0])
    swapper = threading.Thread(target=swap, daemon=True)
    swapper.start()
    outcomes = []
    try:
        for _ in range(LOADS):
            try:
                loaded = load(path, expected_sha256=pinned)
            except ValueError:
                outcomes.append("refused")
            else:
                np.testing.assert_array_equal(loaded.sample(5, random_state=0), expected)
                outcomes.append("pinned")
    finally:
        stop.set()
        swapper.join()
    assert set(outcomes) <= {"pinned", "refused"} and len(outcomes) == LOADS


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")
def test_a_huge_header_is_refused_under_a_memory_cap(moons_file, tmp_path):
    """A 99 MB header (below safetensors' own 100 MB limit) is refused from its size, in a process capped at
    600 MB above what it uses: nothing is parsed."""
    header, body = _split(moons_file)
    header["padding"] = " " * (99 << 20)
    _join(moons_file, header, body)
    result = load_under_memory_cap(moons_file, 600_000_000)
    assert "refused:" in result.stdout and "larger than" in result.stdout, result.stdout + result.stderr
    assert "MemoryError" not in result.stderr


def test_a_document_nested_too_deeply_is_a_value_error(moons_file):
    """JSON nested 100,000 deep would raise RecursionError while it is parsed or digested: refused instead."""
    header, body = _split(moons_file)
    text = header["__metadata__"]["skbfn"]
    deep = "[" * 100_000 + "]" * 100_000
    header["__metadata__"]["skbfn"] = text.replace('"validation_score": []', f'"validation_score": {deep}', 1)
    assert deep in header["__metadata__"]["skbfn"]
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    moons_file.write_bytes(len(encoded).to_bytes(8, "little") + encoded + body)
    with pytest.raises(ValueError, match="nested too deeply"):
        load(moons_file)
