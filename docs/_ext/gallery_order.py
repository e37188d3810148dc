"""The order of the example gallery: from the README's first demo to the most advanced example."""

from __future__ import annotations

import os

# Simple to advanced: the main demo, samplers, a mixed table, guidance, inpainting, then images.
ORDER = [
    "plot_swiss_roll.py",
    "plot_samplers.py",
    "plot_iris_table.py",
    "plot_two_moons_guidance.py",
    "plot_inpainting.py",
    "plot_digits.py",
]


class ExampleOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``: the place in ``ORDER``, unknown files last."""

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        name = os.path.basename(filename)
        return (ORDER.index(name) if name in ORDER else len(ORDER), name)

    def __repr__(self) -> str:  # sphinx compares configurations by repr
        return f"ExampleOrder({ORDER})"
