"""Package discovery only; everything else is in pyproject.toml.

The import package ``wavec`` lives in ``compiler/`` (the product card fixes the folder names), which
``[tool.setuptools.packages.find]`` cannot express: it finds packages under their folder names. So the
subpackages are found here, under ``compiler/``, and renamed — a new subpackage ships without a line of
configuration.
"""

from setuptools import find_packages, setup

setup(
    package_dir={"wavec": "compiler", "wavec.grammar": "grammar", "wavec.stdlib": "stdlib"},
    packages=["wavec", *(f"wavec.{name}" for name in find_packages("compiler")), "wavec.grammar", "wavec.stdlib"],
)
