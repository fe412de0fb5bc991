"""Narrative: figures filled from the data, overrides by level and unit, typed numbers checked."""

from __future__ import annotations

from datetime import date

import pytest

from tthc_lib.content.words.narrative import (
    FigureValues,
    Narrative,
    Settings,
    typed_number_findings,
)
from tthc_lib.errors import ReportError
from tthc_lib.indicators.figures import COUNTS

START, END = date(2023, 1, 1), date(2023, 10, 30)


def _row(**counts):
    row = dict.fromkeys(COUNTS, 0)
    row.update(counts)
    return row


VALUES = dict(
    unit=_row(received_total=13372, received_in_period=12476, received_online=11009,
              resolved_total=11722, resolved_early=10049),
    communes=_row(received_total=66952, resolved_total=65698, resolved_early=62449),
)


def _write(tmp_path, text):
    (tmp_path / "narrative").mkdir(exist_ok=True)
    (tmp_path / "narrative" / "2023-01-01_2023-10-30.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_figures_and_words_are_filled_from_the_data():
    values = FigureValues(VALUES, {"unit_word": "thành phố Hải Dương"})
    text = values.fill("Tại {unit_word}: {received_total} hồ sơ, trước hạn {early_rate}; "
                       "các phường, xã {communes.resolved_early} hồ sơ.")
    assert text == ("Tại thành phố Hải Dương: 13.372 hồ sơ, trước hạn 85,7%; "
                    "các phường, xã 62.449 hồ sơ.")
    assert values.findings == []


def test_unknown_figure_is_a_finding_and_stays_visible():
    values = FigureValues(VALUES, {})
    assert values.fill("{received_totl} hồ sơ") == "{received_totl} hồ sơ"
    assert values.findings == [{"kind": "unknown_figure", "name": "received_totl"}]


def test_level_then_unit_override_base_texts(tmp_path):
    params = _write(tmp_path, """
texts: {s1_1: "chung", s2_1: "chung 2.1"}
levels: {commune: {texts: {s1_1: "cấp xã"}}}
units: {W1: {texts: {s2_1: "riêng W1"}, document: {number: "12/BC-UBND"}}}
""")
    w1 = Narrative.load(params, START, END, "W1", "commune")
    assert w1.texts == {"s1_1": "cấp xã", "s2_1": "riêng W1"}
    assert w1.document == {"number": "12/BC-UBND"}
    city = Narrative.load(params, START, END, "C", "district")
    assert city.texts == {"s1_1": "chung", "s2_1": "chung 2.1"}


def test_missing_narrative_file_gives_empty_sections(tmp_path):
    n = Narrative.load(tmp_path, START, END, "C", "district")
    assert n.source is None and n.text("s1_1", FigureValues(VALUES, {})) == []


def test_unknown_narrative_key_is_refused(tmp_path):
    params = _write(tmp_path, "texts: {s9: x}\n")
    with pytest.raises(ReportError, match="s9"):
        Narrative.load(params, START, END, "C", "district")


def test_typed_number_disagreeing_with_data_is_a_finding(tmp_path):
    params = _write(tmp_path, """
texts:
  achievements: "Đã giải quyết 11.722 hồ sơ, trước hạn 85,7%; tiếp nhận 13.400 hồ sơ, đạt 99,9%."
  s2_1: "Có {received_total} hồ sơ và 2 PAKN."
""")
    n = Narrative.load(params, START, END, "C", "district")
    found = typed_number_findings(n, FigureValues(VALUES, {}), "C")
    # in report order: s2_1 comes before achievements
    assert [f["text"] for f in found] == ["2 PAKN", "13.400 hồ sơ", "99,9%"]


def test_settings_signer_and_recipients_by_level_then_unit(tmp_path):
    (tmp_path / "units.yaml").write_text(
        "defaults: {commune: {authority: 'TM. ỦY BAN NHÂN DÂN', title: 'CHỦ TỊCH'}}\n"
        "units: {W1: {name: 'Nguyễn Văn A'}}\n", encoding="utf-8")
    (tmp_path / "recipients.yaml").write_text(
        "commune: ['UBND {parent_name}', 'Lưu: VT']\nunits: {W2: ['Riêng']}\n", encoding="utf-8")
    s = Settings.load(tmp_path)
    assert s.signer("W1", "commune") == {"authority": "TM. ỦY BAN NHÂN DÂN", "title": "CHỦ TỊCH",
                                         "name": "Nguyễn Văn A"}
    assert s.recipients_for("W1", "commune") == ["UBND {parent_name}", "Lưu: VT"]
    assert s.recipients_for("W2", "commune") == ["Riêng"]
    assert s.calendar == "calendar"


@pytest.mark.parametrize(("text", "line"), [
    ("texts:\n  opening: a\n closing: b\n",
     "Tệp units.yaml không đúng cú pháp YAML ở dòng 3 (thụt lề không khớp với dòng trên); hãy "
     "sửa tệp rồi chạy lại."),
    ("units:\n  HP:\n    name: Lê: Vinh\n",
     "Tệp units.yaml không đúng cú pháp YAML ở dòng 3 (có dấu hai chấm trong giá trị: đặt nó "
     "trong ngoặc kép); hãy sửa tệp rồi chạy lại."),
    ("units:\n\t- HP\n",
     "Tệp units.yaml không đúng cú pháp YAML ở dòng 2 (có ký tự tab: thụt lề bằng dấu cách); "
     "hãy sửa tệp rồi chạy lại."),
])
def test_a_broken_params_file_is_one_vietnamese_line(tmp_path, text, line):
    (tmp_path / "units.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ReportError) as err:
        Settings.load(tmp_path)
    assert str(err.value) == line
