"""Build kgjudge, with the modules a first pass spends its time in compiled to C by mypyc.

mypyc compiles these typed modules (kgjudge/compiled.py lists them) as they are: the same
source, no second copy of the logic.
Extraction's first pass and a comparison run about 1.3x faster for it (README, "Speed").
Cython builds kgjudge/extract/_docread.pyx, three reads of spaCy's C structures
(kgjudge.extract.docread holds the same reads in Python, for where it is not built).

- ``pip install .`` compiles them; where that is not possible (no C compiler, a type error a
  newer mypy finds) the build says so and the same modules run as Python;
- ``pip install -e .`` leaves them Python, so that an edit takes effect without a rebuild;
- ``KGJUDGE_COMPILE=1`` compiles in either case and fails the install when compiling fails
  (the test command uses it, so that the tests run what users run); ``KGJUDGE_COMPILE=0`` never
  compiles.
"""

import os
import runpy
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

#: Folders of the checkout a wheel carries inside the package (kgjudge/_shipped/), so that the
#: shipped packs and rubrics are found wherever kgjudge is installed (kgjudge.domain.SHIPPED).
SHIPPED = ("domains", "rubrics")


def compiled_paths() -> list[str]:
    """The source files of kgjudge.compiled.MODULES (read without importing kgjudge, whose
    dependencies a build environment lacks)."""
    here = Path(__file__).parent
    modules = runpy.run_path(str(here / "kgjudge" / "compiled.py"))["MODULES"]
    paths = []
    for module in modules:
        path = Path(*module.split("."))
        package = here / path / "__init__.py"
        paths.append(str(path / "__init__.py" if package.exists() else path.with_suffix(".py")))
    return paths


def docread_extension() -> list:
    """kgjudge/extract/_docread.pyx: reads of spaCy's C structures (kgjudge.extract.docread),
    built against the spaCy of the build environment, whose version it records (it is used
    only under that version)."""
    import numpy  # spaCy's Doc header needs numpy's
    import spacy
    from Cython.Build import cythonize
    from setuptools import Extension

    source = "kgjudge/extract/_docread.pyx"
    extension = Extension("kgjudge.extract._docread", [source], language="c++",
                          include_dirs=[numpy.get_include()])
    return cythonize([extension], compile_time_env={"SPACY_VERSION": spacy.__version__},
                     quiet=True)


def ext_modules() -> list:
    choice = os.environ.get("KGJUDGE_COMPILE", "").strip().lower()
    required = choice in ("1", "true", "yes")
    if choice in ("0", "false", "no") or (not required and "editable_wheel" in sys.argv):
        return []  # setuptools runs the editable_wheel command for pip install -e
    extensions = []
    for what, build in (("kgjudge's modules are", mypyc_extensions),
                        ("kgjudge's spaCy reads are", docread_extension)):
        try:
            extensions += build()
        except (Exception, SystemExit) as e:  # mypyc exits on a type error
            if required:
                raise
            print(f"warning: {what} not compiled ({e!r}); they run as Python", file=sys.stderr)
    for extension in extensions:
        extension.optional = not required  # no C compiler: a warning, the modules stay Python
    return extensions


def mypyc_extensions() -> list:
    from mypyc.build import mypycify

    return mypycify(compiled_paths(), opt_level="3", group_name="kgjudge")


class BuildExtStamped(build_ext):
    """An in-place build stamps each built module with the build's time: kgjudge.compiled.stale
    compares it with its source's, and setuptools would copy a module that needed no rebuild
    (a source touched, not changed) with its old time."""

    def copy_extensions_to_source(self) -> None:
        super().copy_extensions_to_source()
        build_py = self.get_finalized_command("build_py")
        for extension in self.extensions:
            in_place, _ = self._get_inplace_equivalent(build_py, extension)
            if os.path.exists(in_place):
                os.utime(in_place)


class BuildPyShipped(build_py):
    """A built package carries the checkout's domain packs and shared rubrics; an editable
    install reads them from the checkout itself."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        here = Path(__file__).parent
        for name in SHIPPED:
            if (here / name).is_dir():
                self.copy_tree(str(here / name),
                               os.path.join(self.build_lib, "kgjudge", "_shipped", name))


setup(ext_modules=ext_modules(),
      cmdclass={"build_ext": BuildExtStamped, "build_py": BuildPyShipped})
