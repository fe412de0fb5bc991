"""An office's workspace: finding it (`find`), what it holds (params, notebooks, store,
outputs) and making one (`init`). Layer: beside batch (it may use content, ingest, store);
only the command line imports it."""
