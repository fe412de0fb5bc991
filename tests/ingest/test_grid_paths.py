"""Issue 20, point 1 for the grid formats, through the real `tthc` command line: the path of an
XLSX, BIFF .xls, HTML-saved-as-.xls or .ods file is data, never a pattern. Folder and file
names hold `[`, `]`, `*`, `?`, `~`, `{`, spaces and Vietnamese; beside each stands a decoy of
the same format that the path read as a pattern ($HOME for a leading `~`) would match; only
the named files' rows are stored."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers.grid_files import FORMATS
from helpers.hostile import HEAD, REGISTRIES, row
from helpers.stored import stored_ids

pytestmark = pytest.mark.integration  # the CLI as a subprocess (conftest)


# (folder, file name without extension, decoys its pattern reading would match: relative to
# the folder the command runs in, or to $HOME)
CASES = [
    ("hồ sơ tháng 3", "ho_so[12]", ["hồ sơ tháng 3/ho_so1"]),
    ("hồ sơ tháng 3", "hồ sơ *", ["hồ sơ tháng 3/hồ sơ quý"]),
    ("hồ sơ tháng 3", "ho_so?", ["hồ sơ tháng 3/ho_so1"]),
    ("hồ sơ tháng 3", "ho_so{1,2}", ["hồ sơ tháng 3/ho_so1"]),
    ("d[ab]", "hồ sơ [quý 1] ~", ["da/hồ sơ [quý 1] ~", "d[ab]/hồ sơ q ~"]),
    ("tệp {x,y} *?", "~x", ["tệp {x,y} ab/~x"]),
    ("~", "x", ["HOME/x"]),
]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_grid_file_path_with_pattern_characters_is_read_as_it_is_named(tmp_path, fmt):
    ext, write = FORMATS[fmt]
    work, home = tmp_path / "x", tmp_path / "home"
    for n, (folder, name, decoys) in enumerate(CASES):
        for d in decoys:
            decoy = home / d[5:] if d.startswith("HOME/") else work / d
            decoy.parent.mkdir(parents=True, exist_ok=True)
            write(decoy.with_name(decoy.name + ext), [HEAD, row(9, **{"Mã hồ sơ": f"SAI{n}"})])
        (work / folder).mkdir(parents=True, exist_ok=True)
        write(work / folder / (name + ext), [HEAD, row(1, **{"Mã hồ sơ": f"DUNG{n}A"}),
                                             row(2, **{"Mã hồ sơ": f"DUNG{n}B"})])
    relative = [f"./{folder}/{name}{ext}" for folder, name, _ in CASES]
    run = subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db",
                          str(tmp_path / "s.duckdb"), "ingest", *REGISTRIES, *relative],
                         capture_output=True, text=True, cwd=work, timeout=300, check=False,
                         env={**os.environ, "HOME": str(home)})
    assert run.returncode == 0, run.stderr
    for path in relative:
        assert f"{path}: hồ sơ: đọc 2, nạp 2 (cập nhật 0), loại 0, trùng 0" in run.stdout
    assert stored_ids(tmp_path / "s.duckdb") == sorted(
        f"DUNG{n}{x}" for n in range(len(CASES)) for x in "AB")
