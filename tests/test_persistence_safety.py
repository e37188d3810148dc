"""skbfn.load and checkpoints against crafted files: what the digest covers, validation before allocation."""

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import make_moons

from skbfn import BFNGenerator, InconsistentVersionWarning, load, save
from skbfn._formats import FILE_FORMAT_VERSION
from skbfn._persistence.container import _digest, _tensor_digest_v1

FAST = dict(hidden_layer_sizes=(16,), time_embedding_dim=8, max_iter=30, n_steps=5, n_elbo_draws=4, random_state=0)


@pytest.fixture(scope="module")
def labelled():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=200), rng.normal(size=200)])
    y = rng.choice(["cat", "dog"], 200)
    return X, y, BFNGenerator(**FAST).fit(X, y)


@pytest.fixture
def saved(labelled, tmp_path):
    path = tmp_path / "model.safetensors"
    save(labelled[2], path)
    return path


# ----------------------------------------------------------- file surgery
def _split(path):
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8 : 8 + size]), raw[8 + size :]


def _join(path, header, body) -> None:
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    path.write_bytes(len(encoded).to_bytes(8, "little") + encoded + body)


def _edit_document(path, edit, *, resign: bool = False) -> None:
    """Rewrite the JSON document; with ``resign``, recompute its digest as a forger would."""
    header, body = _split(path)
    document = json.loads(header["__metadata__"]["skbfn"])
    edit(document)
    if resign:
        document["sha256"] = _digest(document, _tensors(path))
    header["__metadata__"]["skbfn"] = json.dumps(document)
    _join(path, header, body)


def _tensors(path):
    from safetensors.torch import load_file

    return load_file(path)


def _refused(path, match):
    with pytest.raises(ValueError, match=match) as info:
        load(path)
    assert str(path) in str(info.value)


# ------------------------------------------------------ what the digest covers
def test_relabelled_classes_are_refused(saved):
    _edit_document(saved, lambda d: d["condition"].update(classes=["cat", "emu"]))  # well formed, but not the fit's
    _refused(saved, "digest")


def test_swapped_class_labels_are_refused(saved):
    _edit_document(saved, lambda d: d["condition"].update(classes=["dog", "cat"]), resign=True)
    _refused(saved, "sorted order")


def test_a_rescaled_column_is_refused(saved):
    _edit_document(saved, lambda d: d["encoder"]["columns"][0].update(scale=1e-6))
    _refused(saved, "digest")


def test_a_relabelled_tensor_dtype_is_refused(saved):
    header, body = _split(saved)
    name = next(k for k in header if k != "__metadata__")
    header[name]["dtype"] = "I32"
    _join(saved, header, body)
    _refused(saved, "dtype|digest")


def test_a_resigned_file_with_nan_weights_is_refused(labelled, tmp_path):
    gen = labelled[2]
    broken = BFNGenerator(**FAST).fit(labelled[0], labelled[1])
    with torch.no_grad():
        next(broken.model_.parameters()).fill_(float("nan"))
    path = tmp_path / "nan.safetensors"
    save(broken, path)  # the digest is right: the file is what was saved
    _refused(path, "non-finite")
    assert gen.model_ is not broken.model_


def test_expected_sha256_pins_the_whole_file(saved):
    pinned = hashlib.sha256(saved.read_bytes()).hexdigest()
    assert load(saved, expected_sha256=pinned).n_iter_ == FAST["max_iter"]
    _edit_document(saved, lambda d: d["params"].update(n_steps=6), resign=True)
    load(saved)  # a forger can re-sign the digest...
    with pytest.raises(ValueError, match="expected_sha256"):
        load(saved, expected_sha256=pinned)  # ...but not match the pinned hash


# ----------------------------------------------- parameters and fitted state
@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda d: d["params"].update(surprise=1), "unknown parameters"),
        (lambda d: d["params"].update(sigma_1="0.01"), "sigma_1"),
        (lambda d: d["params"].update(n_steps=10**9), "n_steps"),
        (lambda d: d["params"].update(device="meta"), "device"),
        (lambda d: d["encoder"]["columns"][0].update(scale=0.0), "scale"),
        (lambda d: d["encoder"]["columns"][0].update(kind="mystery"), "kind"),
        (lambda d: d["encoder"]["columns"][0].update(dtype={"name": "V100000000"}), "dtype"),
        (lambda d: d["condition"].update(classes=["cat", "dog", "eel"]), "tensor|shape"),
        (lambda d: d["condition"].update(classes=["cat", "cat"]), "distinct"),
        (lambda d: d.update(n_iter=-1), "n_iter"),
        (lambda d: d.update(history=[[[[[[[[]]]]]]]]), "history"),
        (lambda d: d.pop("encoder"), "encoder"),
        (lambda d: d.update(reconstruction_divisor=0), "reconstruction_divisor"),
        (lambda d: d.update(reconstruction_divisor=2.5), "reconstruction_divisor"),
        (lambda d: d.update(reconstruction_divisor=True), "reconstruction_divisor"),
        (lambda d: d.update(reconstruction_divisor="16"), "reconstruction_divisor"),
        (lambda d: d.update(reconstruction_divisor=10**6), "reconstruction_divisor"),
        (lambda d: d.pop("reconstruction_divisor"), "reconstruction_divisor"),
    ],
)
def test_invalid_descriptions_are_refused_with_a_value_error_naming_the_file(saved, edit, match):
    _edit_document(saved, edit, resign=True)
    _refused(saved, match)


def test_deeply_nested_json_is_refused(saved):
    header, body = _split(saved)
    document = json.loads(header["__metadata__"]["skbfn"])
    header["__metadata__"]["skbfn"] = json.dumps(document)[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    _join(saved, header, body)
    _refused(saved, "readable|nested")


def test_a_categorical_column_needs_as_many_bins_as_categories(tmp_path):
    frame = pd.DataFrame({"a": np.arange(60.0) % 7, "c": pd.Categorical(["x", "y", "z"] * 20)})
    path = tmp_path / "frame.safetensors"
    save(BFNGenerator(**FAST).fit(frame), path)
    _edit_document(path, lambda d: d["encoder"]["columns"][1]["categories"].append("w"), resign=True)
    _refused(path, "bins")


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda t: t["log_weights"][0].__setitem__(0, 0.5), "log-weights"),
        (lambda t: t["log_weights"][0].__setitem__(0, -50.0), "log-weights"),
        (lambda t: t["log_weights"][0].pop(), "weights and counts"),
        (lambda t: t["counts"][0].__setitem__(0, -1), "counts"),
        (lambda t: t.update(positions=[0]), "categorical"),
        (lambda t: t.update(log_mean_acceptance=1.0), "log_mean_acceptance"),
    ],
)
def test_an_invalid_category_tilt_is_refused(tmp_path, edit, match):
    frame = pd.DataFrame({"a": np.arange(60.0) % 7, "c": pd.Categorical(["x", "y", "z"] * 20)})
    path = tmp_path / "frame.safetensors"
    save(BFNGenerator(**FAST).fit(frame), path)
    _edit_document(path, lambda d: edit(d["category_tilt"]), resign=True)
    _refused(path, match)


def test_checkpoint_dir_is_never_restored_from_a_file(labelled, tmp_path):
    path = tmp_path / "model.safetensors"
    save(labelled[2], path)
    elsewhere = str(tmp_path / "not-yours")
    _edit_document(path, lambda d: d["params"].update(checkpoint_dir=elsewhere, checkpoint_interval=1), resign=True)
    with pytest.warns(UserWarning, match="checkpoint_dir"):
        loaded = load(path)
    assert loaded.checkpoint_dir is None
    loaded.set_params(max_iter=3).fit(labelled[0], labelled[1])
    assert not os.path.exists(elsewhere)


# ------------------------------------------------------------------ versions
def test_versions_are_checked(saved):
    _edit_document(saved, lambda d: d.update(skbfn_version="99.0"), resign=True)
    with pytest.warns(InconsistentVersionWarning, match="99.0"):
        load(saved)
    _edit_document(saved, lambda d: d.pop("skbfn_version"), resign=True)
    _refused(saved, "version")
    _edit_document(
        saved, lambda d: d.update(format_version=FILE_FORMAT_VERSION + 1, skbfn_version="0.1.0"), resign=True
    )
    _refused(saved, "newer")


def _rewritten_as_format(path, version: int, edit=None) -> None:
    """Rewrite a file as an earlier format wrote it: before format 3, the EMA's update count in the document."""
    from safetensors.torch import save_file

    header, _ = _split(path)
    document = json.loads(header["__metadata__"]["skbfn"])
    tensors = _tensors(path)
    if version < 3:
        document["ema_updates"] = int(tensors.pop("ema.n_updates"))
    document["format_version"] = version
    if edit is not None:
        edit(document)
    document["sha256"] = _tensor_digest_v1(tensors) if version == 1 else _digest(document, tensors)
    save_file(tensors, str(path), metadata={"skbfn": json.dumps(document)})


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_file_of_an_earlier_format_still_loads(tmp_path, version):
    """Format 1 (the first release): digest over tensor names and bytes, no continuous_transform; format 2:
    digest over everything. Both kept the EMA's update count in the document. None of formats 1 to 3 had
    the category tilt: such a model draws its network's own shares. None recorded the reconstruction
    term's share of the bound's draws, then a quarter: such a model keeps it. None had neighbour_noise
    (format 8) or dropout (format 13): each reads as 0, how those models were trained."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "c": pd.Categorical(rng.choice(["x", "y"], 200))})
    y = rng.choice(["cat", "dog"], 200)
    gen = BFNGenerator(**FAST, continuous_transform="affine", category_shares="model").fit(X, y)
    path = tmp_path / f"v{version}.safetensors"
    save(gen, path)

    def without_later_entries(document):
        del document["params"]["category_shares"], document["category_tilt"], document["reconstruction_divisor"]
        del document["params"]["neighbour_noise"], document["params"]["dropout"]
        if version == 1:
            del document["params"]["continuous_transform"]
            del document["encoder"]["continuous_transform"]
            for column in document["encoder"]["columns"]:
                del column["normal_scores"]

    _rewritten_as_format(path, version, without_later_entries)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load(path)
    messages = [str(w.message) for w in caught]
    if version == 1:  # format 1 signs the tensors only, and says so
        assert len(messages) == 1 and "format 1" in messages[0]
    else:
        assert messages == []
    assert int(loaded.ema_.n_updates) == int(gen.ema_.n_updates) == gen.n_iter_
    assert loaded.category_shares == "model" and loaded.category_tilt_ is None
    assert loaded.neighbour_noise == 0.0 and gen.dropout == "auto" and loaded.dropout == 0.0
    assert gen.reconstruction_divisor_ == 16 and loaded.reconstruction_divisor_ == 4
    pd.testing.assert_frame_equal(loaded.sample(10), gen.sample(10))


def test_continuous_tails_came_with_format_14_and_files_before_score_without_them(tmp_path):
    """A reader of format 13 would ignore 'continuous_tail' and score values beyond the range otherwise: the
    tails' files say 14, which that reader refuses as newer, and a format-13 file is read without tails."""
    X = np.random.default_rng(0).normal(size=(200, 2))
    gen = BFNGenerator(**FAST).fit(X)
    path = tmp_path / "tails.safetensors"
    save(gen, path)
    header, _ = _split(path)
    document = json.loads(header["__metadata__"]["skbfn"])
    assert FILE_FORMAT_VERSION == document["format_version"] >= 14 and document["encoder"]["continuous_tail"] > 0
    _rewritten_as_format(path, 13, lambda d: d["encoder"].pop("continuous_tail"))
    earlier = load(path)
    assert earlier.encoder_.continuous_tail_ == 0.0
    beyond = np.array([[X[:, 0].max() + 3.0, 0.0]])  # far beyond the training range: the tail is worth much
    assert earlier.score_samples(beyond)[0] < gen.score_samples(beyond)[0] - 10.0


def test_default_widths_follow_the_format_version(tmp_path):
    """Before format 5, hidden_layer_sizes=None meant the 128-wide MLP for every table; from format 5, a table of
    at most two model columns gets the 64-wide one. A file is read by the rule of the version that wrote it: its
    None becomes the widths it then meant, explicitly (skbfn._formats.upgrade_document)."""
    X = make_moons(200, noise=0.1, random_state=0)[0]
    params = dict(FAST, hidden_layer_sizes=None)
    assert BFNGenerator(**params).fit(X).model_.net.input_layer.out_features == 64
    wide = BFNGenerator(**dict(params, hidden_layer_sizes=(128, 128, 128))).fit(X)
    path = tmp_path / "wide.safetensors"
    save(wide, path)
    _rewritten_as_format(path, 4, lambda d: d["params"].update(hidden_layer_sizes=None))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load(path)
    assert loaded.hidden_layer_sizes == (128, 128, 128) and loaded.model_.net.input_layer.out_features == 128
    np.testing.assert_array_equal(loaded.sample(10, random_state=0), wide.sample(10, random_state=0))
    _rewritten_as_format(path, FILE_FORMAT_VERSION)  # the same document read by today's rule: 64 wide, refused
    _refused(path, r"has shape \[128, 6\], not \[64, 6\]")


def test_a_negative_ema_count_is_refused(saved):
    _rewritten_as_format(saved, 2, lambda d: d.update(ema_updates=-3))
    _refused(saved, "ema_updates")


# --------------------------------------------------------------- allocation
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is checked on Linux")
def test_an_oversized_network_is_refused_before_any_allocation(saved):
    """hidden_layer_sizes=[40000] would need gigabytes: refused from the header, under a 1.5 GB headroom cap."""
    _edit_document(saved, lambda d: d["params"].update(hidden_layer_sizes=[40000]), resign=True)
    result = load_under_memory_cap(saved, 1_500_000_000)
    assert "refused:" in result.stdout and "shape" in result.stdout, result.stdout + result.stderr
    assert "MemoryError" not in result.stderr


def load_under_memory_cap(path, headroom: int) -> subprocess.CompletedProcess:
    """``skbfn.load(path)`` in a fresh process whose address space may grow by ``headroom`` bytes at most;
    a refusal prints ``refused: <message>``."""
    script = textwrap.dedent(
        f"""
        import resource
        import skbfn
        with open("/proc/self/status") as status:
            used = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
        resource.setrlimit(resource.RLIMIT_AS, (used + {headroom}, resource.RLIM_INFINITY))
        try:
            skbfn.load({str(path)!r})
        except ValueError as exc:
            print("refused:", exc)
        """
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)


# --------------------------------------------------------------- checkpoints
CHECKPOINT = "skbfn-checkpoint.pt"


def _crashed_fit(X, params, monkeypatch, at: int) -> None:
    """A fit that dies at step ``at``, leaving its last checkpoint behind."""
    from skbfn._model import training as _training

    real_step, calls = _training.training_step, []

    def step_or_crash(*args, **kwargs):
        calls.append(1)
        if len(calls) == at:
            raise RuntimeError("the machine went down")
        return real_step(*args, **kwargs)

    monkeypatch.setattr(_training, "training_step", step_or_crash)
    with pytest.raises(RuntimeError, match="went down"):
        BFNGenerator(**params).fit(X)
    monkeypatch.setattr(_training, "training_step", real_step)


@pytest.fixture
def moons():
    return make_moons(200, noise=0.1, random_state=0)[0]


@pytest.mark.skipif(os.name != "posix", reason="file modes and links are POSIX")
def test_checkpoints_are_private_and_written_through_fresh_files(moons, tmp_path, monkeypatch):
    directory = tmp_path / "runs" / "a"
    params = {**FAST, "max_iter": 30, "checkpoint_dir": str(directory), "checkpoint_interval": 10}
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    directory.mkdir(parents=True, mode=0o700)
    (directory / "skbfn-checkpoint.partial").symlink_to(target)  # the old fixed temporary name
    _crashed_fit(moons, params, monkeypatch, at=25)
    assert target.read_text() == "keep me"
    assert (directory / CHECKPOINT).stat().st_mode & 0o777 == 0o600
    assert [p.name for p in directory.iterdir() if p.name.endswith(".partial") and not p.is_symlink()] == []
    fresh = tmp_path / "fresh"
    _crashed_fit(moons, {**params, "checkpoint_dir": str(fresh)}, monkeypatch, at=15)
    assert fresh.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(os.name != "posix", reason="file modes and links are POSIX")
def test_a_linked_or_special_checkpoint_is_ignored_without_blocking(moons, tmp_path, monkeypatch):
    params = {**FAST, "max_iter": 30, "checkpoint_dir": str(tmp_path / "real"), "checkpoint_interval": 10}
    _crashed_fit(moons, params, monkeypatch, at=25)
    linked = tmp_path / "linked"
    linked.mkdir(mode=0o700)
    (linked / CHECKPOINT).symlink_to(tmp_path / "real" / CHECKPOINT)
    with pytest.warns(UserWarning, match="opened safely"):
        gen = BFNGenerator(**{**params, "checkpoint_dir": str(linked)}).fit(moons)
    assert gen.n_iter_ == 30

    piped = tmp_path / "piped"
    piped.mkdir(mode=0o700)
    os.mkfifo(piped / CHECKPOINT)
    with pytest.warns(UserWarning, match="not a regular file"):
        gen = BFNGenerator(**{**params, "checkpoint_dir": str(piped)}).fit(moons)
    assert gen.n_iter_ == 30


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_checkpoint_directory_others_can_write_is_refused_before_the_fit(moons, tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    params = {**FAST, "max_iter": 30, "checkpoint_dir": str(shared), "checkpoint_interval": 10}
    _crashed_fit(moons, params, monkeypatch, at=25)
    shared.chmod(0o777)
    gen = BFNGenerator(**params)
    with pytest.raises(ValueError, match="group or others"):
        gen.fit(moons)
    assert not hasattr(gen, "model_")
    shared.chmod(0o700)
    (shared / CHECKPOINT).unlink()
    (shared / CHECKPOINT).mkdir()  # a directory where the checkpoint goes: refused too, not a crash mid-fit
    with pytest.raises(ValueError, match="holds a directory"):
        gen.fit(moons)


def test_a_checkpoint_of_another_skbfn_version_is_not_resumed(moons, tmp_path, monkeypatch):
    import skbfn._model.fitting

    params = {**FAST, "max_iter": 30, "checkpoint_dir": str(tmp_path), "checkpoint_interval": 10}
    _crashed_fit(moons, params, monkeypatch, at=25)
    monkeypatch.setattr(skbfn._model.fitting, "__version__", "0.0.1")
    with pytest.warns(UserWarning, match="another run"):
        BFNGenerator(**params).fit(moons)


@pytest.mark.parametrize(
    ("forge", "match"),
    [
        (lambda s: s.update(step=30, losses=[0.0] * 30), "max_iter"),
        (lambda s: s.update(losses=s["losses"][:-1]), "losses"),
        (lambda s: s.update(losses=[float("nan")] * len(s["losses"])), "finite"),
        (lambda s: s.update(extra=1), "fields"),
        (lambda s: s["model"].update({next(iter(s["model"])): torch.zeros(3)}), "shape"),
        (lambda s: s.update(model=[1, 2, 3]), "weights"),
        # the optimiser and the schedule: a wrong-shaped moment crashed the fused kernel; the rest was adopted
        (lambda s: s["optimizer"]["state"][0].update(exp_avg=torch.zeros(3)), "another shape"),
        (lambda s: s["optimizer"]["state"][0]["exp_avg_sq"].fill_(-1.0), "negative"),
        (lambda s: s["optimizer"]["state"][0]["exp_avg"].fill_(float("nan")), "not finite"),
        (lambda s: s["optimizer"]["state"][0].update(step=torch.tensor(-3.0)), "step count"),
        (lambda s: s["optimizer"]["param_groups"][0].update(lr=1e6), "learning rate"),
        (lambda s: s["optimizer"]["param_groups"][0].update(betas=(0.5, 0.5)), "betas"),
        (lambda s: s["scheduler"].update(T_max=0), "T_max"),
        (lambda s: s["scheduler"].update(last_epoch=3), "stands at step"),
    ],
)
def test_a_forged_or_broken_checkpoint_gets_a_warning_and_a_fresh_start(moons, tmp_path, monkeypatch, forge, match):
    params = {**FAST, "max_iter": 30, "checkpoint_dir": str(tmp_path), "checkpoint_interval": 10}
    _crashed_fit(moons, params, monkeypatch, at=25)
    state = torch.load(tmp_path / CHECKPOINT, weights_only=True)
    forge(state)
    torch.save(state, tmp_path / CHECKPOINT)
    with pytest.warns(UserWarning, match=match):
        gen = BFNGenerator(**params).fit(moons)
    reference = BFNGenerator(**{**params, "checkpoint_dir": None}).fit(moons)
    assert gen.history_["loss"] == reference.history_["loss"]  # trained from scratch, nothing adopted


@pytest.mark.parametrize(
    ("edit", "match"), [({"n_draws": 10**9}, "n_draws"), ({"bogus": 1}, "unknown"), ({"n_draws": "many"}, "n_draws")]
)
def test_invalid_imputer_settings_are_refused(moons, tmp_path, edit, match):
    from skbfn import BFNImputer

    holes = moons.copy()
    holes[::7, 1] = np.nan
    path = tmp_path / "imputer.safetensors"
    save(BFNImputer(BFNGenerator(**FAST), n_draws=3).fit(holes), path)
    assert isinstance(load(path), BFNImputer)
    _edit_document(path, lambda d: d["imputer"].update(edit), resign=True)
    _refused(path, match)
