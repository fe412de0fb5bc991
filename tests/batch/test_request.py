"""One report request, one mapping to the notebook parameters: the batch's section keys (the
manifest), the parameters papermill executed the batch's notebooks with, and the preview's are
the same for the same request."""

from __future__ import annotations

import json
import pickle
from dataclasses import replace

import nbformat
from helpers.batch import PERIOD

from tthc_lib.batch.keys import (
    data_window,
    files_digest,
    library_digest,
    params_digest,
    sha256_of,
    store_view,
)
from tthc_lib.batch.manifest import Manifest
from tthc_lib.batch.runner import section_notebooks
from tthc_lib.content.request import notebook_parameters, report_request, request_of
from tthc_lib.preview.session import PreviewSession
from tthc_lib.workspace.find import Workspace


def test_keys_executed_parameters_and_preview_parameters_are_one_mapping(batch):
    request = report_request("W1", PERIOD, batch.db, batch.params, ("html",))
    expected = notebook_parameters(request)
    assert expected == {"unit": "W1", "period_start": "2023-01-01", "period_end": "2023-10-30",
                        "db": str(batch.db.resolve()), "params_dir": str(batch.params.resolve())}
    assert pickle.loads(pickle.dumps(request)) == request       # executors ship it whole
    assert request_of(**expected).period == PERIOD              # the notebook's side
    assert batch.run(units=["W1"]).failures == []

    # what papermill received in the batch: its injected-parameters record of each section
    notebooks = section_notebooks(batch.notebooks)
    for path in notebooks:
        nb = nbformat.read(batch.path("notebook", "W1", path.stem), as_version=4)
        assert dict(nb.metadata.papermill.parameters) == expected

    # the manifest's keys hash those very parameters (with the library, params, notebook, data)
    manifest = Manifest.load(batch.path("period_dir"))
    library = library_digest(manifest.library)
    common = sha256_of(library, params_digest(batch.params, PERIOD))
    view = store_view(batch.db, data_window(PERIOD), library, manifest.store)
    assert manifest.get("W1").sections == {
        p.stem: sha256_of(common, files_digest([p]), json.dumps(expected, sort_keys=True),
                          view.fingerprints["W1"]) for p in notebooks}

    # the preview of the same unit and period executes with the same parameters
    ws = Workspace(None, batch.params, batch.notebooks, batch.db, batch.out)
    session = PreviewSession(ws, "W1", PERIOD)
    try:
        session.refresh()
        assert session.request == replace(request, formats=session.request.formats)
        for path in notebooks:
            assert dict(session.executed[path.stem].metadata.papermill.parameters) == expected
    finally:
        session.close()
