"""Several numbers written in one cell ('(40.7128, -74.0060)', '120/80', '5:03 /km') are modelled as their parts and
written back as the data write them, where such columns were left out."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding import TableEncoder
from skbfn._encoding.compound_cells import Compound, compound_of
from skbfn.metrics import column_shapes, copied_values, evaluate, relations_kept

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=300, n_steps=10, n_elbo_draws=8)


def _patients(n_rows: int = 600, seed: int = 0) -> pd.DataFrame:
    """Patients with a blood pressure ('120/80', a tenth missing as 'n/a'), where they live ('(40.7128,
    -74.0060)'), their pace ('5:03 /km') and an amount."""
    rng = np.random.default_rng(seed)
    systolic = np.round(rng.normal(125, 12, n_rows))
    diastolic = np.round(0.6 * systolic + rng.normal(5, 3, n_rows))
    pressure = np.array([f"{s:.0f}/{d:.0f}" for s, d in zip(systolic, diastolic, strict=True)], dtype=object)
    pressure[rng.random(n_rows) < 0.1] = "n/a"
    lat, lon = rng.normal(40.7, 0.05, n_rows), rng.normal(-74.0, 0.05, n_rows)
    seconds = rng.integers(180, 480, n_rows)
    return pd.DataFrame(
        {
            "pressure": pressure,
            "home": [f"({a:.4f}, {b:.4f})" for a, b in zip(lat, lon, strict=True)],
            "pace": [f"{s // 60}:{s % 60:02d} /km" for s in seconds],
            "spend": np.round(rng.gamma(2.0, 30.0, n_rows), 2),
        }
    )


def _pressures(column: pd.Series) -> np.ndarray:
    return column[column != "n/a"].str.split("/", expand=True).astype(float).to_numpy()


@st.composite
def _written_cells(draw, min_rows: int = 2, max_rows: int = 30):
    """Cells of 2-4 numbers between texts without digits, points or signs, each part signed, with decimals or
    zero-padded; a letter is never right before a signed number (in '1920x-5' the minus is text), nor a word
    before any."""
    n_parts = draw(st.integers(2, 4))
    text = st.text(alphabet=" ()/x,:;|[]~abcXYZ°%", min_size=1, max_size=4)
    styles = [draw(st.sampled_from(["integer", "decimals", "padded", "signed"])) for _ in range(n_parts)]
    literals = [draw(st.sampled_from(["", "(", "~", "at "]))]
    literals += [draw(text) for _ in range(n_parts - 1)] + [draw(st.sampled_from(["", ")", " km", "%"]))]
    for k, style in enumerate(styles):  # a word glued to digits is a code ('Item12'): no compound
        if literals[k][-2:].isalpha() or (style == "signed" and literals[k][-1:].isalpha()):
            literals[k] += " "
    rows = []
    for _ in range(draw(st.integers(min_rows, max_rows))):
        numbers = []
        for style in styles:
            value = draw(st.integers(0, 99_999))
            numbers.append(
                {
                    "integer": str(value),
                    "decimals": f"{value / 100:.2f}",
                    "padded": f"{value % 100:02d}",
                    "signed": str(value - 50_000),
                }[style]
            )
        rows.append(literals[0] + "".join(n + t for n, t in zip(numbers, literals[1:], strict=True)))
    return literals, styles, rows


@settings(max_examples=200, deadline=None)
@given(_written_cells())
def test_cells_split_into_their_numbers_and_join_back_as_written(case):
    literals, styles, rows = case
    values = np.array(rows, dtype=object)
    compound = compound_of("c", values)
    if len(set(rows)) < 2:  # one string: a constant, not a compound column
        assert compound is None
        return
    assert compound is not None and compound.literals == tuple(literals)
    for width, style in zip(compound.widths, styles, strict=True):  # padded only where some number has a 0 first
        assert width in ((0, 2) if style == "padded" else (0,))
    parts = compound.split(values)
    assert compound.join(parts).tolist() == rows
    assert all(not (p.startswith("0") and len(p) > 1 and p[1].isdigit()) for part in parts for p in part.tolist())


def test_compound_columns_are_found_as_the_data_write_them():
    cells = {
        "screen": (["1920x1080", "1280x720", "2560x1440"], ("", "x", ""), (0, 0)),
        "pace": (["5:03 /km", "4:59 /km", "6:10 /km"], ("", ":", " /km"), (0, 2)),
        "version": (["1.10.2", "1.9.0", "2.0.11"], ("", ".", ".", ""), (0, 0, 0)),
        "range": (["55-65", "60-70", "5-15"], ("", "-", ""), (0, 0)),
        "place": (["(40.7128, -74.0060)", "(51.5072, -0.1276)"], ("(", ", ", ")"), (0, 0)),
        "rating": (["4.5 out of 5 stars", "3.0 out of 5 stars"], ("", " out of ", " stars"), (0, 0)),
        "distance": (["approx. 12.5 km", "approx. 3.0 km"], ("approx. ", " km"), (0,)),
    }
    for name, (values, literals, widths) in cells.items():
        found = compound_of(name, np.array([*values, None, "n/a"], dtype=object))
        assert found == Compound(name, literals, widths, "n/a"), name
    for values in (
        ["Ann", "Bob"],  # no numbers
        ["12", "15"],  # one number
        ["1/2", "3/4/5"],  # two ways of writing
        ["5:03", "5:3"],  # padded in some cells only
        ["1.50/2", "1.5/3"],  # decimals that do not print back in one way
        ["10/1", "11/1", 1.5],  # a number among the strings
        ["First12 Last7", "First3 Last20"],  # labels: words glued to digits
        ["SKU123-4", "SKU77-12"],
    ):
        assert compound_of("c", np.array(values, dtype=object)) is None, values


def test_only_columns_the_encoder_would_leave_out_or_take_for_keys_are_split():
    rng = np.random.default_rng(0)
    n = 400
    ints = lambda low, high: rng.integers(low, high, n)  # noqa: E731
    frame = pd.DataFrame(
        {
            "phone": [
                f"({a}) {b}-{c}" for a, b, c in zip(ints(201, 999), ints(200, 999), ints(1000, 9999), strict=True)
            ],
            "ip": [
                f"{a}.{b}.{c}.{d}"
                for a, b, c, d in zip(ints(1, 255), ints(0, 255), ints(0, 255), ints(0, 255), strict=True)
            ],
            "day": [f"2024-{m:02d}-{d:02d}" for m, d in zip(ints(1, 13), ints(1, 29), strict=True)],
            "score": [f"{a}-{b}" for a, b in zip(ints(0, 4), ints(0, 4), strict=True)],  # few values: categories
            "coords": [
                f"{a:.5f},{b:.5f}" for a, b in zip(rng.normal(51.5, 0.1, n), rng.normal(-0.1, 0.1, n), strict=True)
            ],
            "room": [f"Room {a}, Floor {b}" for a, b in zip(ints(1, 400), ints(1, 30), strict=True)],
            "room[1]": rng.normal(size=n),  # a column named as the first part of 'room': 'room' is left as it was
            "weight": [f"Weight: {w:.2f} kg" for w in rng.uniform(1, 50, n)],  # one number, with decimals
            "store": [f"Store {k}" for k in ints(1, 300)],  # one whole number in text: a label
        }
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        roles = TableEncoder().fit(frame).roles
    assert {k: roles[k] for k in ("phone", "ip", "day", "score", "room", "store")} == {
        "phone": "id",
        "ip": "id",
        "day": "continuous",
        "score": "categorical",
        "room": "drop",
        "store": "id",  # repeated keys of a prefix and a number (tests/test_key_repeats.py), no quantity
    }
    assert roles["weight"] == "compound" and roles["weight[1]"] == "continuous"
    assert roles["coords"] == "compound" and roles["coords[1]"] == roles["coords[2]"] == "continuous"
    assert any("'room' holds" in str(w.message) for w in record)  # its usual warning, and none for a trial fit
    assert not any("coords" in str(w.message) for w in record)
    named = TableEncoder(column_roles={"coords": "categorical"}).fit(frame[["coords"]])
    assert named.roles == {"coords": "categorical"} and not named.compounds_
    assert not TableEncoder().fit(frame[["coords", "room[1]"]].to_numpy()).compounds_  # arrays are read as before


def test_samples_keep_the_parts_and_their_relation_and_write_them_as_the_data(tmp_path):
    frame = _patients()
    gen = BFNGenerator(**SMALL, reproduce_missing=True, random_state=0).fit(frame)
    assert {k: gen.column_roles_[k] for k in ("pressure", "home", "pace")} == dict.fromkeys(
        ("pressure", "home", "pace"), "compound"
    )
    assert gen.column_roles_["pressure[2]"] in ("continuous", "discretised")  # 80 is a pressure, not a code
    sample = gen.sample(2000, random_state=0)
    assert list(sample.columns) == list(frame.columns)
    written = sample["pressure"][sample["pressure"] != "n/a"]
    assert written.str.fullmatch(r"\d+/\d+").all()
    assert sample["home"].str.fullmatch(r"\(\d+\.\d{4}, -\d+\.\d{4}\)").all()
    assert sample["pace"].str.fullmatch(r"\d:[0-5]\d /km").all()
    assert abs((sample["pressure"] == "n/a").mean() - (frame["pressure"] == "n/a").mean()) < 0.05
    data, drawn = _pressures(frame["pressure"]), _pressures(sample["pressure"])
    assert abs(np.median(drawn[:, 0]) - np.median(data[:, 0])) < 6
    assert np.corrcoef(drawn.T)[0, 1] > 0.5  # the data's 0.9; parts drawn apart would give none
    scores = gen.score_samples(frame.head(20))
    assert np.isfinite(scores).all()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)


def test_given_compound_cells_and_cells_written_another_way():
    frame = _patients(300)
    gen = BFNGenerator(**dict(SMALL, max_iter=60), random_state=0).fit(frame)
    rows = gen.sample(5, given={"pressure": "120/80"}, random_state=0)
    assert (rows["pressure"] == "120/80").all() and rows["pace"].str.fullmatch(r"\d:[0-5]\d /km").all()
    before = copy.deepcopy(gen.__dict__)
    for off in ("120-80", "120/80/60", "high"):
        with pytest.raises(ValueError, match=r"'pressure' holds .* not written as its values were in fit \('#/#'"):
            gen.score_samples(frame.head(2).assign(pressure=[off, "120/80"]))
        with pytest.raises(ValueError, match="'pressure'"):
            gen.sample(2, given={"pressure": off})
    assert gen.__dict__.keys() == before.keys() and gen.n_iter_ == before["n_iter_"]
    streamed = BFNGenerator(**dict(SMALL, batch_size=50), random_state=0).partial_fit(frame.head(150))
    with pytest.warns(UserWarning, match=r"'pressure\[1\]'.* outside the range"):  # split as the first call's
        streamed.partial_fit(frame.iloc[150:])
    assert streamed.n_iter_ == 6 and streamed.sample(20, random_state=0)["home"].str.fullmatch(r"\(.*, .*\)").all()


def test_the_imputer_fills_compound_cells_in_their_writing():
    frame = _patients(400)
    holes = frame.head(60).copy()
    holes.loc[holes.index[:20], "home"] = None
    imputer = BFNImputer(BFNGenerator(**dict(SMALL, max_iter=100), random_state=0), random_state=0).fit(frame)
    filled = imputer.transform(holes)
    assert list(filled.columns) == list(frame.columns) and (filled.index == holes.index).all()
    assert filled["home"].str.fullmatch(r"\(\d+\.\d{4}, -\d+\.\d{4}\)").all()
    pd.testing.assert_series_equal(filled["home"].iloc[20:], frame["home"].iloc[20:60])


def test_the_report_reads_relations_of_compound_columns():
    rng = np.random.default_rng(0)
    low = rng.integers(1, 80, 500)
    real = pd.DataFrame(
        {"span": [f"{a}-{a + b}" for a, b in zip(low, rng.integers(1, 9, 500), strict=True)], "x": rng.random(500)}
    )
    kept = relations_kept(real, real.sample(frac=1.0, random_state=1))
    assert kept and all(share == 1.0 for share in kept.values())
    assert relations_kept(real, real.assign(span="3/4")) == {}  # written another way: nothing read


def test_corrupt_compound_documents_are_refused():
    frame = _patients(200)
    doc = TableEncoder().fit(frame).to_dict()
    assert [c["column"] for c in doc["compounds"]] == ["pressure", "home", "pace"]
    assert TableEncoder.from_dict(doc).to_dict() == doc
    for change, message in (
        (lambda d: d["compounds"][0].update(literals=["", "1", ""]), "hold no number"),
        (lambda d: d["compounds"][0].update(literals=[""]), "surround 1 to"),
        (lambda d: d["compounds"][0].update(literals=["", ""], widths=[0]), "needs text around it"),
        (lambda d: d["compounds"][0].update(literals=["", "", ""]), "separated by text"),
        (lambda d: d["compounds"][2].update(widths=[0]), "widths must be"),
        (lambda d: d["compounds"][2].update(widths=[0, -1]), "widths must be"),
        (lambda d: d["compounds"][0].update(marker="high"), "not a missing marker"),
        (lambda d: d["compounds"][0].pop("marker"), "needs 'column'"),
        (lambda d: d["compounds"][0].update(column="home"), "share a name"),
        (lambda d: d["compounds"][0].update(column="nothing"), "no parts among the columns"),
        (lambda d: d["columns"].insert(1, d["columns"].pop(0)), "not its columns, in order"),
        (lambda d: d.update(compounds=[]), "non-empty list"),
        (lambda d: d.update(is_frame=False), "DataFrames only"),
    ):
        broken = copy.deepcopy(doc)
        change(broken)
        with pytest.raises(ValueError, match=message):
            TableEncoder.from_dict(broken)


def test_the_metrics_compare_compound_columns_part_by_part():
    frame = _patients(800, seed=1)
    real, held_out = frame.iloc[:400].reset_index(drop=True), frame.iloc[400:].reset_index(drop=True)
    shifted = held_out.assign(
        pressure=[f"{int(p.split('/')[0]) + 15}/{p.split('/')[1]}" if p != "n/a" else p for p in held_out["pressure"]]
    )
    shapes, moved = column_shapes(real, held_out), column_shapes(real, shifted)
    assert list(shapes)[:4] == ["pressure[1]", "pressure[2]", "home[1]", "home[2]"] and "pressure" not in shapes
    assert moved["pressure[1]"] > 0.3 > shapes["pressure[1]"] and moved["pressure[2]"] == shapes["pressure[2]"]
    assert column_shapes(real, held_out.assign(pressure="high"))["pressure[1]"] > 0.85  # no number read: missing
    copied = copied_values(held_out, real)
    assert set(copied) == {"pressure", "home", "pace"} and copied["home"] == 0.0
    report = evaluate(held_out, real, held_out, random_state=0)
    assert "pressure" not in report.free_columns and "pressure[1]" in report.column_shapes


TINY = dict(hidden_layer_sizes=(8,), time_embedding_dim=4, max_iter=3, n_steps=2, n_elbo_draws=2, random_state=0)


@settings(max_examples=30, deadline=None)
@given(case=_written_cells(min_rows=24, max_rows=40), holes=st.booleans())
def test_any_compound_column_fits_scores_and_samples_cells_that_read_back(case, holes):
    """Whatever the writing, a fitted table's samples split back into their parts (they are written as the
    data are), its rows score, and the parts' numbers lie in their training ranges."""
    _, _, rows = case
    cells = np.array(rows, dtype=object)
    cells[np.arange(len(rows)) % 7 == 3] = None if holes else cells[0]
    frame = pd.DataFrame({"c": cells, "x": np.linspace(0.0, 1.0, len(rows))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a column left out, or a short fit
        gen = BFNGenerator(**TINY, reproduce_missing=holes).fit(frame)
        scores = gen.score_samples(frame)
        sample = gen.sample(30, random_state=0)
    assert np.isfinite(scores).all() and list(sample.columns) == ["c", "x"]
    if not gen.encoder_.compounds_:
        return
    parts = gen.encoder_.split(sample)  # a cell written another way would be refused here
    for compound in gen.encoder_.compounds_.compounds:
        for name, real in zip(compound.parts, compound.split(cells), strict=True):
            column = gen.encoder_.columns_[gen.encoder_.column_names.index(name)]
            drawn, seen = column.numbers(parts[name].to_numpy(dtype=object), None), column.numbers(real, None)
            drawn = drawn[~np.isnan(drawn)]
            assert ((drawn >= np.nanmin(seen)) & (drawn <= np.nanmax(seen))).all()
