"""Package discovery only; everything else is in pyproject.toml.

The import package ``wavec`` lives in ``compiler/`` (the product card fixes the folder names), which
``[tool.setuptools.packages.find]`` cannot express: it finds packages under their folder names. So the
subpackages are found here, under ``compiler/``, and renamed — a new subpackage ships without a line of
configuration. Folders of data files (``report/templates``, ``stdlib/policies``) are listed as packages too
(namespace packages): setuptools warns about data folders that are not, and will stop shipping them.
"""

from setuptools import find_namespace_packages, setup

HIDDEN = ["__pycache__", "*.__pycache__"]

setup(
    package_dir={"wavec": "compiler", "wavec.grammar": "grammar", "wavec.stdlib": "stdlib"},
    packages=[
        "wavec",
        *(f"wavec.{name}" for name in find_namespace_packages("compiler", exclude=HIDDEN)),
        "wavec.grammar",
        "wavec.stdlib",
        *(f"wavec.stdlib.{name}" for name in find_namespace_packages("stdlib", exclude=HIDDEN)),
    ],
)
