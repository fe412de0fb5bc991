"""Paths and names from the data cannot write outside the output folder, and names shown in a
report cannot inject markup: unit codes with `../`, absolute paths, slashes, NUL or too many
characters are refused in one line; period strings are parsed, never pasted into a path;
HTML text and attributes are escaped."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from helpers.city import PERIOD, PERIOD_DIR, UNITS, build_city, tthc

from tthc_lib.batch.names import OUTPUT_NAMES, name_conflicts, output_path, safe_name
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


@pytest.mark.parametrize("code", ["CON", "con", "Nul", "PRN", "AUX", "COM1", "lpt9", "CON.txt",
                                  "nul.x.y", "W1.", "W1\n", "W1\r\n", "W1 "])
def test_codes_no_system_can_use_as_a_file_name_are_refused(code):
    with pytest.raises(ReportError) as err:
        safe_name(code)
    assert str(err.value).startswith(f"Không dùng được mã đơn vị {code!r} làm tên tệp (")
    assert "\n" not in str(err.value)


def test_plain_codes_near_device_names_are_kept():
    assert [safe_name(c) for c in ("CONA", "NUL1A", "COMX", "W1.a")] == [
        "CONA", "NUL1A", "COMX", "W1.a"]


def test_conflicts_case_folded_and_with_the_period_files():
    conflicts = name_conflicts(["C", "W1", "w1", "W2", "index", "Index", "Run-Summary",
                                "manifest", "CON", "w2"])
    assert sorted(conflicts) == ["CON", "Index", "index", "w1", "w2"]
    assert conflicts["w1"] == ("Không dùng được mã đơn vị 'w1' làm tên tệp (chỉ khác mã 'W1' "
                               "ở chữ hoa, chữ thường: trùng tệp trên Windows).")
    assert conflicts["index"] == ("Không dùng được mã đơn vị 'index' làm tên tệp (trùng tên "
                                  "tệp chung của kỳ báo cáo, như index.html).")
    # run-summary.json and manifest.json are not .html: only names that collide count
    assert name_conflicts(["run-summary", "manifest", "notebooks"]) == {}


def test_every_unit_output_name_comes_from_the_templates(tmp_path):
    for name, template in OUTPUT_NAMES.items():
        path = output_path(tmp_path, name, PERIOD_OBJ, "W1", "00_mo_dau")
        assert path == tmp_path / template.format(period="2023-01-01_2023-06-30", unit="W1",
                                                  section="00_mo_dau")


def test_unit_index_and_case_twins_do_not_overwrite_other_files(batch):
    from tthc_lib.store.connection import connect

    con = connect(batch.db)
    con.execute("""INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES
        ('index', 'Phường Mục Lục', 'Phường', 'commune', 'C'),
        ('w1', 'Phường Chữ Thường', 'Phường', 'commune', 'C'),
        ('CON', 'Xã Thiết Bị', 'Xã', 'commune', 'C'),
        ('W3' || chr(10), 'Xã Xuống Dòng', 'Xã', 'commune', 'C')""")
    con.close()
    summary = batch.run()
    refused = {f.unit: f.section for f in summary.failures}
    assert refused == {"index": "(mã đơn vị)", "w1": "(mã đơn vị)", "CON": "(mã đơn vị)",
                       "W3\n": "(mã đơn vị)"}
    index = batch.path("index").read_text(encoding="utf-8")
    assert 'href="W1.html"' in index and "Phường Mục Lục" not in index
    assert "Phường A" in batch.path("html", "W1").read_text(encoding="utf-8")
    folder = batch.path("period_dir")
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    assert [n for n in names if n.casefold() in ("w1.html", "con.html", "index.html")] == [
        "W1.html", "index.html"]
    assert not any("\n" in n for n in names)
