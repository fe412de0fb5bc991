"""The build step pyproject.toml cannot say: the section notebooks have one committed copy,
the repository's notebooks/ (analysts open them there in JupyterLab), and every wheel ships
that copy inside the package as tthc_lib/notebooks/, so every command works from any folder
and `tthc init` copies them into a new workspace (tthc_lib.workspace.find.packaged_notebooks).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


class BuildWithNotebooks(build_py):
    """build_py, plus notebooks/NN_*.ipynb copied into the built package."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "tthc_lib" / "notebooks"
        self.mkpath(str(target))
        for notebook in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
            self.copy_file(str(notebook), str(target / notebook.name))


setup(cmdclass={"build_py": BuildWithNotebooks})
