"""The package list for setuptools; everything else is in pyproject.toml.

Every package under ``effrob_core/``, plus the repository's ``results/`` folder installed as the data
package ``effrob_core.published_results`` (mapped in pyproject.toml's ``package-dir``), so that the
installed ``effrob`` command and API find the published tables from any folder.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["effrob_core", "effrob_core.*"]), "effrob_core.published_results"])
