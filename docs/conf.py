"""Sphinx configuration of the skbfn documentation.

Build (examples executed, figures in the gallery)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Without running the examples (as CI does): add ``-D plot_gallery=0``.
"""

from __future__ import annotations

import doctest
import os
import sys
import warnings
from pathlib import Path

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("_ext"))

from class_members import OnlyThese

import skbfn

project = "skbfn"
author = "the skbfn developers"
copyright = "2026, the skbfn developers"
version = release = skbfn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # a copy of MathJax in the built site: formulas render without a network
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip"]
default_role = "py:obj"
# Every cross-reference must resolve (CI builds with -W), except these:
nitpicky = True
nitpick_ignore = [
    # Internal bases that share arithmetic between flows (the Gaussian view, zero control variates); the
    # Flow protocol page documents their methods, and they are not API of their own.
    ("py:class", "skbfn.core.flows.gaussian_view.GaussianView"),
    ("py:class", "skbfn.core.flows.continuous.GaussianMeanState"),
    ("py:class", "skbfn.core.flows._no_variates.NoControlVariates"),
    # BFNGenerator's mixins, rooms of its own methods (sampling and scoring, its document), documented with it.
    ("py:class", "skbfn._estimators.generator_inference.GeneratorInference"),
    ("py:class", "skbfn._estimators.generator_document.GeneratorDocument"),
]

# ----------------------------------------------------------------- API reference
autosummary_generate = True
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_typehints = "none"  # the numpydoc sections carry the types
numpydoc_show_class_members = True  # a "Methods" summary table on each class page
# not the dozens of torch.nn.Module and scikit-learn mixin methods; but BFNGenerator's own mixins (sampling and
# scoring, its document) are its methods, written in rooms of their own (the class template documents them)
numpydoc_show_inherited_class_members = False  # set per class when the builder starts (_own_members_only)
SHOWN_INHERITED_MEMBERS = {"skbfn.BFNGenerator": True}
autosummary_context = {
    "mixed_in": {
        "BFNGenerator": {
            "bases": "BaseEstimator, DensityMixin",
            "excluded": "get_params, set_params, get_metadata_routing",
        }
    }
}
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# ------------------------------------------------------------------- cross-links
# Each project's real inventory first; without network, a local inventory of
# the objects these pages link to (see _ext/offline_inventories.py).
from offline_inventories import write_inventory  # noqa: E402

_INVENTORY_DIR = Path(__file__).parent / "_build" / "offline_inventories"
_DOCS = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "sklearn": "https://scikit-learn.org/stable/",
    "torch": "https://docs.pytorch.org/docs/stable/",
    "pandas": "https://pandas.pydata.org/docs/",
    "joblib": "https://joblib.readthedocs.io/en/stable/",
}
intersphinx_mapping = {
    name: (url, (None, str(write_inventory(name, _INVENTORY_DIR / f"{name}.inv")))) for name, url in _DOCS.items()
}
intersphinx_timeout = 5

# ------------------------------------------------------------------ the gallery
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "gallery_order.ExampleOrder",
    "image_scrapers": ("matplotlib",),
    "reference_url": {"skbfn": None},
    "doc_module": ("skbfn",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "show_memory": False,
    "download_all_examples": False,
}
# The examples write their figures with savefig (they also run as plain
# scripts); sphinx-gallery's matplotlib scraper collects the open figures.
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg", category=UserWarning)

# -------------------------------------------------------------- plot directive
# Doctest-format plots use pytest's NUMBER flag (the suite checks their printed values with a tolerance);
# Python's doctest parser, which the plot directive uses, must know the name.
doctest.register_optionflag("NUMBER")
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

# ----------------------------------------------------------------------- theme
html_theme = "pydata_sphinx_theme"
html_title = f"skbfn {version}"
html_theme_options = {
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
}
html_static_path = ["_static"]
html_css_files = ["skbfn.css"]
html_show_sourcelink = False


def _protocol_signature(app, what, name, obj, options, signature, return_annotation):
    """typing.Protocol classes have no constructor of their own: show none rather than ``(*args, **kwargs)``."""
    if what == "class" and getattr(obj, "_is_protocol", False):
        return "", None
    return None


def _own_members_only(app) -> None:
    """numpydoc lists the inherited methods of the classes of SHOWN_INHERITED_MEMBERS, and of no other (a plain
    dict would show them for every class it does not name; the config value's type check wants a plain one)."""
    app.config.numpydoc_show_inherited_class_members = OnlyThese(SHOWN_INHERITED_MEMBERS)


def setup(app):
    app.connect("builder-inited", _own_members_only)
    app.connect("autodoc-process-signature", _protocol_signature)
