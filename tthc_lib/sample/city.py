"""A realistic, deterministic sample of one-stop exports for a sample city.

The city, its units, its procedure catalogue and the figures to reproduce live in a YAML spec
(`params/sample_city.yaml`); nothing here knows a particular city. For the spec's period the
written records reproduce the target counts exactly under the definitions of docs/indicators.md;
outside it they follow the same rates, shifted as the spec says. The files carry the everyday
messiness of real exports (encodings, separators, date forms, synonyms, duplicates, a few bad
rows) so that the loader is exercised; bad and duplicate rows never change a target count.

Entry point: `generate_sample(spec_path, out_dir, seed)`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from tthc_lib.errors import SampleError
from tthc_lib.sample.continuation import generate_later
from tthc_lib.sample.dossiers import make_dossiers
from tthc_lib.sample.model import (
    Calendar,
    load_spec,
    procedures_frame,
    target_groups,
)
from tthc_lib.sample.people import add_applicants
from tthc_lib.sample.records import make_changes, make_feedback
from tthc_lib.sample.write import write_all

__all__ = ["generate_sample", "load_spec"]


def generate_sample(spec_path: Path, out_dir: Path, seed: int = 2023) -> list[Path]:
    """Write the sample exports described by `spec_path` into `out_dir`; return their paths
    in load order (units, procedures, changes, dossiers, feedback). Same seed, same bytes.
    A continuation spec (one that names its `base`) writes the base files first, unchanged,
    then the later years' (tthc_lib.sample.continuation). A spec that cannot be generated
    is a SampleError of one line naming the file."""
    spec_path = Path(spec_path)
    try:
        return _generate(spec_path, Path(out_dir), seed)
    except (SampleError, KeyError, TypeError, AttributeError, yaml.YAMLError, OSError,
            UnicodeDecodeError) as exc:
        raise SampleError(f"{spec_path}: không dùng được mô tả thành phố mẫu "
                          f"({_why(exc)}); cần một tệp YAML như params/sample_city.yaml.",
                          path=str(spec_path)) from exc


def _why(exc: Exception) -> str:
    if isinstance(exc, SampleError):
        return str(exc)
    if isinstance(exc, KeyError):
        return f"thiếu mục {exc.args[0]!r}"
    if isinstance(exc, yaml.YAMLError):
        return "không phải YAML hợp lệ"
    if isinstance(exc, (OSError, UnicodeDecodeError)):
        return f"không đọc được tệp: {type(exc).__name__}"
    return f"một mục sai kiểu: {exc}"


def _generate(spec_path: Path, out_dir: Path, seed: int) -> list[Path]:
    raw = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    if isinstance(raw, dict) and "base" in raw:
        base_path = spec_path.parent / raw["base"]
        paths, base = _generate_base(base_path, out_dir, seed)
        return paths + generate_later(raw, base["spec"], base["calendar"], base["procedures"],
                                      base["dossiers"], out_dir, seed)
    return _generate_base(spec_path, out_dir, seed)[0]


def _generate_base(spec_path: Path, out_dir: Path, seed: int) -> tuple[list[Path], dict]:
    """The base sample's files, and the tables a continuation builds on."""
    spec = load_spec(spec_path)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    cal = Calendar.from_spec(spec["calendar"])
    procs = procedures_frame(spec)
    groups = target_groups(spec, procs, streams[0])
    dossiers = make_dossiers(spec, cal, groups, streams[1])
    dossiers = add_applicants(dossiers, spec, streams[2])
    changes = make_changes(spec, procs, streams[3])
    feedback = make_feedback(spec, cal, streams[4])
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = write_all(out_dir, spec, procs, changes, dossiers, feedback, streams[5])
    return paths, {"spec": spec, "calendar": cal, "procedures": procs, "dossiers": dossiers}
