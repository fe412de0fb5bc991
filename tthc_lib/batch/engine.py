"""The papermill engine `tthc`: papermill executes the notebook in this process's warm kernel.

Registered through the `papermill.engine` entry point (pyproject.toml), so the batch calls
`papermill.execute_notebook(..., engine_name="tthc")` and an analyst's own
`papermill --engine tthc in.ipynb out.ipynb -p unit HD05` runs the same way. Papermill does
everything else: parameters, metadata, saving, and marking a failed cell
(`PapermillExecutionError`). The kernel is started once per process and kept
(batch/state.py); each notebook runs in a fresh namespace, in its own folder.

Papermill imports this module while it loads its entry points, so nothing in tthc_lib imports
it: `import papermill` first, then papermill finds the engine by its name.
"""

from __future__ import annotations

import os
from pathlib import Path

from papermill.engines import Engine


class TthcEngine(Engine):
    """Runs each notebook in the worker's warm kernel, whatever kernel the notebook names."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 kernel_cwd=None, **kwargs):
        """Execute `nb_man.nb` cell by cell (papermill's own client and callbacks); the
        kernel works in `kernel_cwd`, else in papermill's `cwd` (this process's folder)."""
        from tthc_lib.batch.state import worker_state

        cwd = Path(kernel_cwd or os.getcwd()).resolve()
        worker_state().session.execute(
            nb_man, cwd, log_output=log_output, stdout_file=stdout_file,
            stderr_file=stderr_file, timeout=execution_timeout or kwargs.get("timeout"))

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        from tthc_lib.batch.kernels import KERNEL_NAME

        return KERNEL_NAME
