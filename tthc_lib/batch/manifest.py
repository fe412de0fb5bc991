"""The manifest: the period folder's record of each unit's last run (the keys its sections ran
with, its formats, index line and findings, or its failure).

A JSON file in the period's output folder, written atomically and only after the files it
describes are in place, so it never claims a report that is not there. It also keeps what
makes a re-run with nothing changed cheap (keys.py): the library files' hashes under their
stat, and the store's units and fingerprints under the store's stat.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tthc_lib.atomic import write_bytes_atomic
from tthc_lib.batch.names import OUTPUT_NAMES

MANIFEST_VERSION = 1


@dataclass
class UnitRecord:
    """What the manifest remembers of one unit's last run."""

    status: str                                  # "ok" | "failed"
    sections: dict[str, str]                     # section -> key it ran with
    formats: list[str] = field(default_factory=list)
    html: str | None = None                      # relative to the period folder
    pdf: str | None = None
    entry: dict | None = None                    # the unit's index line (IndexEntry fields)
    findings: list[dict] = field(default_factory=list)
    failure: dict | None = None                  # unit, section, error, path


class Manifest:
    """The period folder's record of units run: `get`, `put`, `save` (atomic)."""

    NAME = Path(OUTPUT_NAMES["manifest"]).name

    def __init__(self, folder: Path, units: dict[str, UnitRecord] | None = None,
                 index_key: str | None = None, caches: dict | None = None):
        self.path = Path(folder) / self.NAME
        self.units = units or {}
        self.index_key = index_key  # the entries the index page was last written from
        caches = caches or {}
        self.library: dict = caches.get("library") or {}   # keys.library_digest's cache
        self.store: dict = caches.get("store") or {}       # keys.store_view's cache
        self._written: bytes | None = None                 # the file as loaded or last saved

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        """The manifest of `folder`, or an empty one (missing, unreadable or older format)."""
        path = Path(folder) / cls.NAME
        try:
            written = path.read_bytes()
            data = json.loads(written.decode("utf-8"))
            if data.get("version") != MANIFEST_VERSION:
                return cls(folder)
            manifest = cls(folder, {u: UnitRecord(**r) for u, r in data["units"].items()},
                           data.get("index_key"), data.get("caches"))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return cls(folder)
        manifest._written = written
        return manifest

    def get(self, unit: str) -> UnitRecord | None:
        return self.units.get(unit)

    def put(self, unit: str, record: UnitRecord) -> None:
        self.units[unit] = record

    def save(self) -> None:
        """Write the manifest (atomically), unless the file already says the same."""
        data = self._bytes()
        if data != self._written or not self.path.is_file():
            write_bytes_atomic(self.path, data)
            self._written = data

    def _bytes(self) -> bytes:
        data = {"version": MANIFEST_VERSION, "index_key": self.index_key,
                "units": {u: vars(r) for u, r in sorted(self.units.items())},
                "caches": {"library": self.library, "store": self.store}}
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
