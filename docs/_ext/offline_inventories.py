"""Intersphinx inventories for builds without network access.

The machines that build these docs in CI have no internet, so Sphinx cannot
download the inventories (``objects.inv``) of scikit-learn, PyTorch, NumPy,
pandas and Python. This module writes small inventories of the objects these
docs link to, with the URLs under which those projects document them; conf.py
lists them as the fallback after the real inventory, so a build with network
access uses the real ones and a build without still links every object below.
Objects missing from both render as plain text.
"""

from __future__ import annotations

import zlib
from pathlib import Path

# project -> (URL pattern, {role: [names]}); "{}" in the pattern is the full name.
INVENTORIES = {
    "sklearn": (
        "modules/generated/{}.html#{}",
        {
            "py:class": [
                "sklearn.base.BaseEstimator",
                "sklearn.base.DensityMixin",
                "sklearn.base.OneToOneFeatureMixin",
                "sklearn.base.TransformerMixin",
                "sklearn.impute.IterativeImputer",
                "sklearn.impute.KNNImputer",
                "sklearn.neural_network.MLPRegressor",
                "sklearn.preprocessing.QuantileTransformer",
                "sklearn.compose.ColumnTransformer",
                "sklearn.ensemble.HistGradientBoostingClassifier",
                "sklearn.ensemble.RandomForestClassifier",
                "sklearn.linear_model.LogisticRegression",
                "sklearn.mixture.GaussianMixture",
                "sklearn.model_selection.GridSearchCV",
                "sklearn.neighbors.KernelDensity",
                "sklearn.pipeline.Pipeline",
                "sklearn.preprocessing.StandardScaler",
            ],
            "py:function": [
                "sklearn.base.clone",
                "sklearn.datasets.load_digits",
                "sklearn.datasets.load_iris",
                "sklearn.datasets.make_moons",
                "sklearn.datasets.make_swiss_roll",
                "sklearn.model_selection.cross_val_score",
                "sklearn.pipeline.make_pipeline",
                "sklearn.utils.estimator_checks.parametrize_with_checks",
            ],
            "py:method": [
                "sklearn.mixture.GaussianMixture.score",
                "sklearn.mixture.GaussianMixture.score_samples",
                "sklearn.neighbors.KernelDensity.score_samples",
            ],
        },
    ),
    "torch": (
        "generated/{}.html#{}",
        {
            "py:class": [
                "torch.nn.Module",
                "torch.nn.Conv2d",
                "torch.nn.GroupNorm",
                "torch.nn.Linear",
                "torch.nn.parallel.DistributedDataParallel",
                "torch.optim.AdamW",
                "torch.optim.swa_utils.AveragedModel",
                "torch.Generator",
            ],
            "py:function": [
                "torch.compile",
                "torch.load",
                "torch.manual_seed",
                "torch.save",
                "torch.nn.functional.scaled_dot_product_attention",
            ],
        },
    ),
    "numpy": (
        "reference/generated/{}.html#{}",
        {"py:class": ["numpy.ndarray"], "py:function": ["numpy.random.default_rng"]},
    ),
    "pandas": (
        "reference/api/{}.html#{}",
        {"py:class": ["pandas.DataFrame", "pandas.CategoricalDtype"]},
    ),
}

# Objects whose pages do not follow their project's pattern.
EXTRA = {
    "torch": [
        ("torch.Tensor", "py:class", "tensors.html#torch.Tensor"),
        ("torch.autocast", "py:class", "amp.html#torch.autocast"),
        ("torch.autocast", "py:function", "amp.html#torch.autocast"),
        # autodoc names nn.Module by its defining module in class signatures
        ("torch.nn.modules.module.Module", "py:class", "generated/torch.nn.Module.html#torch.nn.Module"),
        ("torch.nn.Module.state_dict", "py:method", "generated/torch.nn.Module.html#torch.nn.Module.state_dict"),
        ("torch.Tensor.repeat_interleave", "py:method", "generated/torch.Tensor.repeat_interleave.html"),
        ("torch.dtype", "py:class", "tensor_attributes.html#torch.dtype"),
        ("torch.device", "py:class", "tensor_attributes.html#torch.device"),
        (
            "torch.distributed.init_process_group",
            "py:function",
            "distributed.html#torch.distributed.init_process_group",
        ),
        ("torch.channels_last", "py:data", "tensor_attributes.html#torch.memory_format"),
    ],
    "python": [
        ("pickle", "py:module", "library/pickle.html#module-pickle"),
        ("dict", "py:class", "library/stdtypes.html#dict"),
        ("tuple", "py:class", "library/stdtypes.html#tuple"),
        ("int", "py:class", "library/functions.html#int"),
        ("float", "py:class", "library/functions.html#float"),
        ("str", "py:class", "library/stdtypes.html#str"),
        ("KeyboardInterrupt", "py:exception", "library/exceptions.html#KeyboardInterrupt"),
        ("FloatingPointError", "py:exception", "library/exceptions.html#FloatingPointError"),
        ("ValueError", "py:exception", "library/exceptions.html#ValueError"),
        ("TypeError", "py:exception", "library/exceptions.html#TypeError"),
    ],
    "sklearn": [
        ("sklearn.impute", "py:module", "api/sklearn.impute.html"),
    ],
    "joblib": [
        ("joblib.dump", "py:function", "generated/joblib.dump.html#joblib.dump"),
        ("joblib.load", "py:function", "generated/joblib.load.html#joblib.load"),
        ("joblib.parallel_backend", "py:function", "generated/joblib.parallel_backend.html"),
    ],
}


def entries(project: str) -> list[tuple[str, str, str]]:
    """``(name, domain:role, uri)`` of every object listed for ``project``."""
    pattern, by_role = INVENTORIES.get(project, ("", {}))
    listed = []
    for role, names in by_role.items():
        for name in names:
            page = name.rsplit(".", 1)[0] if role == "py:method" else name  # methods live on their class's page
            listed.append((name, role, pattern.format(page, name)))
    return listed + EXTRA.get(project, [])


def write_inventory(project: str, path: Path) -> Path:
    """Write a Sphinx version-2 inventory of ``project``'s listed objects to ``path``."""
    lines = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in entries(project))
    header = f"# Sphinx inventory version 2\n# Project: {project}\n# Version: \n"
    header += "# The remainder of this file is compressed using zlib.\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header.encode() + zlib.compress(lines.encode()))
    return path
