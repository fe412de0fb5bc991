"""The batch: units x sections executed by papermill in warm kernels, keys and manifest, locks, progress, executors (local, Dask)."""
