"""Paths and names from the data cannot write outside the output folder, and names shown in a
report cannot inject markup: unit codes with `../`, absolute paths, slashes, NUL or too many
characters are refused in one line; period strings are parsed, never pasted into a path;
HTML text and attributes are escaped."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from test_privacy import PERIOD, PERIOD_DIR, UNITS, build_city, tthc

from tthc_lib.batch.runner import OUTPUT_NAMES, output_path
from tthc_lib.errors import PeriodError, ReportError
from tthc_lib.periods import Period, parse_period

HOSTILE_CODES = ["../../evil", "..", "/etc/passwd", "a/b", "a\\b", "x\x00y", "L" * 65, "",
                 ".hidden", "-rf", "<b>x", 'a"b']
XSS_NAME = "Xã \"Quote'><img src=x onerror=alert(1)> & <script>alert(2)</script>"
PERIOD_OBJ = Period(dt.date(2023, 1, 1), dt.date(2023, 6, 30))


@pytest.mark.parametrize("code", HOSTILE_CODES)
def test_a_unit_code_that_is_not_a_plain_file_name_is_refused(tmp_path, code):
    for name in ("html", "pdf", "notebook"):
        if not code:
            continue
        with pytest.raises(ReportError) as err:
            output_path(tmp_path, name, PERIOD_OBJ, code, "02_giai_quyet_ho_so")
        assert str(err.value).startswith(f"Không dùng được mã đơn vị {code!r} làm tên tệp")
        assert "\n" not in str(err.value)
    with pytest.raises(ReportError):
        output_path(tmp_path, "notebook", PERIOD_OBJ, "PX", code or "..")


@pytest.mark.parametrize("code", ["PX", "PX01", "HD.16", "unit_9-b", "L" * 64])
def test_plain_codes_stay_inside_the_output_folder(tmp_path, code):
    for name in OUTPUT_NAMES:
        path = output_path(tmp_path, name, PERIOD_OBJ, code, "02_giai_quyet_ho_so")
        assert path.resolve().is_relative_to(tmp_path.resolve())
        assert path.relative_to(tmp_path).parts[0] == PERIOD_DIR


@pytest.mark.parametrize("text", ["../../2023", "2023-01-01:2023-06-30/..", "/etc/passwd",
                                  "2023\x00", "2023-01-01:../x", "2023-H1/../../x",
                                  "2023-01-01:" + "9" * 300])
def test_a_period_string_is_parsed_never_used_as_a_path(text):
    with pytest.raises(PeriodError) as err:
        parse_period(text)
    assert "\n" not in str(err.value)


class _Elements(HTMLParser):
    """Every element and attribute of a page, and its text."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def hostile_city(tmp_path_factory):
    """A city whose registry holds a ward with a name made to inject markup and units whose
    codes try to leave the output folder; one report run over all of them."""
    root = tmp_path_factory.mktemp("paths")
    units = [UNITS[0], ("PX01", XSS_NAME, "Xã", "PX"), UNITS[2],
             ("../../evil", "Xã Độc", "Xã", "PX"), ("<b>x", "Xã Thẻ", "Xã", "PX"),
             ("L" * 80, "Xã Dài", "Xã", "PX")]
    files, params = build_city(root / "city" / "exports", units=units)
    db, out = root / "city" / "store.duckdb", root / "city" / "a" / "out"
    assert tthc(db, "ingest", *map(str, files)).returncode == 0
    run = tthc(db, "report", "--period", PERIOD, "--unit", "all", "--to", "html",
               "--out", str(out), "--params", str(params))
    return root, out / PERIOD_DIR, run


def test_hostile_unit_codes_write_nothing_outside_the_output_folder(hostile_city):
    root, folder, run = hostile_city
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert ("Không dùng được mã đơn vị '../../evil' làm tên tệp (chỉ chữ, số, '_', '-', '.'; "
            "tối đa 64 ký tự).") in run.stderr
    written = [p for p in root.rglob("*") if p.is_file()]
    outside = [p for p in written if not p.is_relative_to(folder)
               and p.parent.name not in ("exports", "narrative", "params")
               and p.name != "store.duckdb"]
    assert outside == []
    assert not [p for p in written if "evil" in str(p) or "<" in str(p) or "LLLL" in str(p)]
    # The refused code fails that unit only: the others' reports and the index are there.
    assert (folder / "index.html").is_file() and (folder / "PX.html").is_file()


def test_names_cannot_inject_elements_or_attributes(hostile_city):
    _root, folder, _run = hostile_city
    page = _Elements()
    page.feed((folder / "PX.html").read_text(encoding="utf-8"))
    tags = {tag for tag, _ in page.tags}
    assert "script" not in tags
    assert not [(t, a) for t, attrs in page.tags for a in attrs if a.startswith("on")]
    assert all(attrs.get("src", "").startswith("data:image/png;base64,")
               for tag, attrs in page.tags if tag == "img")
    text = " ".join(" ".join(page.text).split())
    assert XSS_NAME in text                        # shown as the text it is, in the ward table
