"""Which classes' method tables (numpydoc's) list the methods they inherit."""


class OnlyThese(dict):
    """``numpydoc_show_inherited_class_members``: the classes named map to their flag; every other class lists
    its own methods only (numpydoc shows all inherited members of a class it does not find)."""

    def __missing__(self, key: str) -> bool:
        return False
