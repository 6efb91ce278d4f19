"""Maps the top-level grammar/ and specs/ folders into the package, so a wheel carries them.

The design card keeps grammar/ and specs/ beside arazzo_engine/; pyproject.toml alone cannot mix
package discovery with renamed folders, hence this small file.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).parent
spec_dirs = sorted(p for p in (HERE / "specs").rglob("*") if p.is_dir())
spec_packages = {
    "arazzo_engine.specs." + ".".join(d.relative_to(HERE / "specs").parts): str(d.relative_to(HERE))
    for d in spec_dirs
}

setup(
    packages=[
        *find_namespace_packages(include=["arazzo_engine", "arazzo_engine.*"],
                                 exclude=["*.__pycache__"]),
        "arazzo_engine.grammar",
        "arazzo_engine.specs",
        *spec_packages,
    ],
    package_dir={"arazzo_engine.grammar": "grammar", "arazzo_engine.specs": "specs",
                 **spec_packages},
)
