"""Paths and names from the data cannot write outside the output folder, and names shown in a
report cannot inject markup: a unit code with `../`, an absolute path, slashes, NUL, a Windows
device name or too many characters names its files by a safe stem (names.file_stem), inside
the period folder; period strings are parsed, never pasted into a path; HTML text and
attributes are escaped."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from helpers.city import PERIOD, PERIOD_DIR, UNITS, build_city, tthc

from tthc_lib.batch.names import OUTPUT_NAMES, file_stem, name_collisions, output_path
from tthc_lib.errors import PeriodError, ReportError
from tthc_lib.periods import Period, parse_period

HOSTILE_CODES = ["../../evil", "..", "/etc/passwd", "a/b", "a\\b", "x\x00y", "L" * 65, "",
                 ".hidden", "-rf", "<b>x", 'a"b']
XSS_NAME = "Xã \"Quote'><img src=x onerror=alert(1)> & <script>alert(2)</script>"
PERIOD_OBJ = Period(dt.date(2023, 1, 1), dt.date(2023, 6, 30))


@pytest.mark.parametrize("code", HOSTILE_CODES)
def test_a_unit_code_that_is_not_a_plain_file_name_names_files_inside_the_period(tmp_path, code):
    folder = tmp_path / PERIOD_DIR
    for name in ("html", "pdf", "docx", "notebook"):
        path = output_path(tmp_path, name, PERIOD_OBJ, code, "02_giai_quyet_ho_so")
        assert path.resolve().is_relative_to(folder.resolve())
        inside = path.relative_to(folder).parts
        assert len(inside) == (3 if name == "notebook" else 1)
        stem = inside[1] if name == "notebook" else path.stem
        assert stem == file_stem(code) and stem.isprintable() and len(stem) <= 64
        assert not set(stem) & set('<>:"/\\|?*') and stem[0] not in ".- "
        assert not stem.endswith((".", " "))


@pytest.mark.parametrize("section", [*HOSTILE_CODES[:-1], "CON"])
def test_a_section_name_that_is_not_a_plain_file_name_is_refused(tmp_path, section):
    with pytest.raises(ReportError) as err:
        output_path(tmp_path, "notebook", PERIOD_OBJ, "PX", section or "..")
    assert str(err.value).startswith("Không dùng được tên mục ")
    assert "\n" not in str(err.value)


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
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    written = [p for p in root.rglob("*") if p.is_file()]
    outside = [p for p in written if not p.is_relative_to(folder)
               and p.parent.name not in ("exports", "narrative", "params")
               and p.name != "store.duckdb"]
    assert outside == []
    assert not [p for p in written if "<" in str(p)]
    # Each hostile code has its report and notebooks, under its safe name, in the period folder.
    stems = ["PX", "PX01", "PX02", "%2E.%2F..%2Fevil", "%3Cb%3Ex", file_stem("L" * 80)]
    assert sorted(p.name for p in folder.glob("*.html")) == sorted(
        [f"{s}.html" for s in stems] + ["index.html"])
    assert sorted(p.name for p in (folder / "notebooks").iterdir()) == sorted(stems)
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="%252E.%252F..%252Fevil.html">HTML' in index and "Xã Độc" in index


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


@pytest.mark.parametrize("code, stem", [
    ("CON", "CON_"), ("con", "con_"), ("Nul", "Nul_"), ("PRN", "PRN_"), ("AUX", "AUX_"),
    ("COM1", "COM1_"), ("lpt9", "lpt9_"), ("COM¹", "COM¹_"), ("CONOUT$", "CONOUT$_"),
    ("CON.txt", "CON_.txt"), ("nul.x.y", "nul_.x.y"), ("W1.", "W1%2E"), ("W1 ", "W1%20"),
    ("W1. .", "W1%2E%20%2E"), ("W1\n", "W1%0A"), ("W1\r\n", "W1%0D%0A"), ("a/b", "a%2Fb"),
    ("a\\b", "a%5Cb"), ("x\x00y", "x%00y"), ("-rf", "%2Drf"), (".hidden", "%2Ehidden"),
    ("..", "%2E%2E"), ("", "_"), ("<b>x", "%3Cb%3Ex"), ('a"b', "a%22b"), ("a:b|c?*", "a%3Ab%7Cc%3F%2A"),
    ("50%", "50%25"), ("a\u202eb", "a%E2%80%AEb"), ("a\xa0b", "a%C2%A0b"),
    ("index", "index_"), ("INDEX", "INDEX_"), ("Xã Độc", "Xã Độc"),
    ("L" * 64, "L" * 64), ("L" * 65, "L" * 55 + "~0aa592a5"),
])
def test_every_code_gets_a_file_stem_any_system_can_use(code, stem):
    assert file_stem(code) == stem


def test_plain_codes_and_codes_near_device_names_are_kept():
    codes = ["CONA", "NUL1A", "COMX", "W1.a", "HD.16", "unit_9-b", "run-summary", "manifest",
             "notebooks", "Phường 1"]
    assert [file_stem(c) for c in codes] == codes


def test_long_codes_keep_distinct_stems():
    assert file_stem("L" * 70 + "a") != file_stem("L" * 70 + "b")
    assert len(file_stem("/" * 64)) <= 64
    assert file_stem("L" * 54 + "/" * 5)[:55] == "L" * 54 + "~"      # no half escape kept


def test_only_codes_whose_stems_are_equal_ignoring_case_collide():
    collisions = name_collisions(["C", "W1", "w1", "W2", "index", "Index", "Run-Summary",
                                  "manifest", "CON", "CON_", "con.", "a/b", "A/B", "a%2Fb"])
    assert sorted(collisions) == ["A/B", "CON", "CON_", "Index", "W1", "a/b", "index", "w1"]
    assert collisions["w1"] == collisions["W1"] == (
        "Mã đơn vị 'W1' và 'w1' trùng tên tệp báo cáo (W1.html, w1.html: Windows không phân "
        "biệt chữ hoa, chữ thường): không báo cáo đơn vị nào trong số đó, để tệp của đơn vị "
        "này không ghi đè đơn vị kia; hãy sửa mã trong danh mục đơn vị rồi chạy lại.")
    assert collisions["CON_"].startswith("Mã đơn vị 'CON' và 'CON_' trùng tên tệp báo cáo "
                                         "(cùng là CON_.html): ")
    assert name_collisions(["run-summary", "manifest", "notebooks", "index", "CON", "W1."]) == {}


def test_every_unit_output_name_comes_from_the_templates(tmp_path):
    for name, template in OUTPUT_NAMES.items():
        path = output_path(tmp_path, name, PERIOD_OBJ, "W1", "00_mo_dau")
        assert path == tmp_path / template.format(period="2023-01-01_2023-06-30", unit="W1",
                                                  section="00_mo_dau")


def test_unit_index_and_device_names_get_reports_case_twins_do_not(batch):
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
    assert refused == {"W1": "(mã đơn vị)", "w1": "(mã đơn vị)"}
    index = batch.path("index").read_text(encoding="utf-8")
    assert 'href="index_.html"' in index and "Phường Mục Lục" in index
    assert 'href="CON_.html"' in index and 'href="W3%250A.html"' in index
    assert 'href="W1.html"' not in index and "Phường Chữ Thường" not in index
    folder = batch.path("period_dir")
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    assert [n for n in names if n.endswith(".html")] == [
        "C.html", "CON_.html", "W2.html", "W3%0A.html", "index.html", "index_.html"]
    assert "Phường Mục Lục" in (folder / "index_.html").read_text(encoding="utf-8")


def test_the_dask_bundle_names_files_by_the_safe_stem(batch):
    from tthc_lib.store.connection import connect

    con = connect(batch.db)
    con.execute("""INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES
        ('index', 'Phường Mục Lục', 'Phường', 'commune', 'C'),
        ('nul.txt', 'Xã Thiết Bị', 'Xã', 'commune', 'C'),
        ('a/b', 'Xã Gạch Chéo', 'Xã', 'commune', 'C')""")
    con.close()
    summary = batch.run(units=["index", "nul.txt", "a/b"], executor="dask", jobs=1,
                        to=("html", "docx"))
    assert summary.failures == []
    folder = batch.path("period_dir")
    for stem in ("index_", "nul_.txt", "a%2Fb"):
        assert (folder / f"{stem}.html").is_file() and (folder / f"{stem}.docx").is_file()
        assert list((folder / "notebooks" / stem).glob("*.ipynb"))
    assert {p.name for p in folder.iterdir() if not p.name.startswith(".tthc-report")} == {
        "index_.html", "index_.docx", "nul_.txt.html", "nul_.txt.docx", "a%2Fb.html",
        "a%2Fb.docx", "index.html", "notebooks", "manifest.json", "run-summary.json"}
