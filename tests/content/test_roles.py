"""Signers, recipients and document numbers by role (issue 21, points 1 and 2): the workspace
template's defaults for a province, its departments and boards, the old district and the
communes; the issuer's own abbreviation (Nghị định 30/2020/NĐ-CP); a finding when unsigned."""

from __future__ import annotations

import pytest

from tthc_lib.content.words.layout import ReportMeta, closing_html
from tthc_lib.content.words.narrative import Settings
from tthc_lib.content.words.roles import doc_suffix, role_of, unsigned_findings
from tthc_lib.workspace.find import builtin_params

HAI_PHONG = {"unit_name": "Thành phố Hải Phòng", "kind": "Thành phố trực thuộc trung ương",
             "level": "province", "role": "territory"}
TINH = {"unit_name": "Tỉnh Quảng Ninh", "kind": "Tỉnh", "level": "province", "role": "territory"}


def _unit(name: str, kind: str, level: str = "province", role: str = "department") -> dict:
    return {"unit_name": name, "kind": kind, "level": level, "role": role}


@pytest.mark.parametrize(("unit", "parent", "role", "suffix"), [
    (HAI_PHONG, None, "province", "BC-UBND"),
    (_unit("Sở Tư pháp", "Sở"), HAI_PHONG, "department", "BC-STP"),
    (_unit("Sở Nội vụ", "Sở"), HAI_PHONG, "department", "BC-SNV"),
    (_unit("Sở Nông nghiệp và Môi trường", "Sở"), HAI_PHONG, "department", "BC-SNNMT"),
    (_unit("Sở Giáo dục và Đào tạo", "Sở"), TINH, "department", "BC-SGDĐT"),
    (_unit("Ban Quản lý Khu kinh tế Hải Phòng", "Ban"), HAI_PHONG, "board", "BC-BQLKKT"),
    (_unit("Ban Quản lý các khu công nghiệp Quảng Ninh", "Ban"), TINH, "board", "BC-BQLCKCN"),
    (_unit("Thành phố Hải Dương", "Thành phố", "district", "territory"), None, "district",
     "BC-UBND"),
    (_unit("Phường Tứ Minh", "Phường", "commune", "territory"), HAI_PHONG, "commune", "BC-UBND"),
    (_unit("Đặc khu Cát Hải", "Đặc khu", "commune", "territory"), HAI_PHONG, "commune",
     "BC-UBND"),
])
def test_role_and_the_issuers_own_abbreviation(unit, parent, role, suffix):
    assert (role_of(unit), doc_suffix(unit, parent)) == (role, suffix)


def test_the_templates_signers_by_role():
    s = Settings.load(builtin_params())
    assert s.signer("HP", "province", "province") == {
        "authority": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", "title": "PHÓ CHỦ TỊCH", "name": ""}
    assert s.signer("HPSTP", "province", "department") == {
        "authority": "KT. GIÁM ĐỐC", "title": "PHÓ GIÁM ĐỐC", "name": ""}
    assert s.signer("HPBQLKKT", "province", "board") == {
        "authority": "KT. TRƯỞNG BAN", "title": "PHÓ TRƯỞNG BAN", "name": ""}
    assert s.signer("HP03", "commune", "commune") == {
        "authority": "TM. ỦY BAN NHÂN DÂN", "title": "CHỦ TỊCH", "name": ""}
    assert s.signer("HD", "district", "district") == {
        "authority": "KT. CHỦ TỊCH", "title": "PHÓ CHỦ TỊCH", "name": ""}


def test_the_templates_recipients_by_role():
    s = Settings.load(builtin_params())
    assert s.recipients_for("HP", "province", "province") == [
        "Văn phòng Chính phủ (Cục Kiểm soát thủ tục hành chính)",
        "Thường trực HĐND {unit_word}", "Chủ tịch, các Phó Chủ tịch UBND {unit_word}",
        "Các sở, ban, ngành", "UBND các xã, phường, đặc khu", "Lưu: VT, KSTT"]
    assert s.recipients_for("HPSTP", "province", "department") == [
        "UBND {parent_name} (để b/c)", "Văn phòng UBND {parent_name}",
        "Giám đốc, các Phó Giám đốc Sở", "Lưu: VT, VP"]
    assert s.recipients_for("HPBQLKKT", "province", "board")[2] == \
        "Trưởng ban, các Phó Trưởng ban"


def _meta(recipients=("Văn phòng UBND thành phố", "Lưu: VT, VP"), **signer) -> ReportMeta:
    return ReportMeta.from_dict({"issuer_lines": ["UBND THÀNH PHỐ HẢI PHÒNG"], "place": "Hải Phòng",
                                 "date": "2026-11-30", "subject": "x", "signer": signer,
                                 "recipients": list(recipients)})


def test_a_report_without_a_signer_is_a_finding_word_for_word():
    assert unsigned_findings(_meta(title="PHÓ GIÁM ĐỐC", name="", authority="KT. GIÁM ĐỐC"),
                             "HPSTP") == [{
        "kind": "unsigned", "unit": "HPSTP",
        "message": "Báo cáo của HPSTP chưa có họ tên người ký: ghi vào params/units.yaml, mục "
                   "units: HPSTP: {name: ...}."}]
    assert unsigned_findings(_meta(title="", name=""), "HP")[0]["message"].startswith(
        "Báo cáo của HP chưa có chức danh và họ tên người ký")
    assert unsigned_findings(_meta(title="CHỦ TỊCH", name="Lê Quang Vinh"), "HP") == []


def test_a_report_sent_only_to_its_own_file_is_a_finding_word_for_word():
    for recipients in ((), ("Lưu: VT",), (" lưu: VT, VP ", "")):
        assert unsigned_findings(_meta(recipients, title="CHỦ TỊCH", name="Lê Quang Vinh"),
                                 "P7") == [{
            "kind": "no_recipients", "unit": "P7",
            "message": "Báo cáo của P7 chưa có nơi nhận nào ngoài dòng lưu (Lưu: VT): ghi vào "
                       "params/recipients.yaml, mục units: P7: [...] hoặc mục theo cấp của đơn "
                       "vị."}]


def test_two_lines_of_authority_above_the_title():
    html = closing_html(_meta(authority="TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH",
                             title="PHÓ CHỦ TỊCH", name="Lê Quang Vinh"))
    assert ('<div class="tthc-sign-role">TM. ỦY BAN NHÂN DÂN<br>KT. CHỦ TỊCH<br>PHÓ CHỦ TỊCH'
            '</div>') in html


def test_a_long_issuers_name_wraps_before_its_place_name():
    """Issue 21, point 13: "BAN QUẢN LÝ KHU KINH TẾ / HẢI PHÒNG", never "… HẢI / PHÒNG"."""
    from tthc_lib.content.words.layout import header_html

    meta = ReportMeta.from_dict({
        "issuer_lines": ["UBND thành phố Hải Phòng", "Ban Quản lý Khu kinh tế Hải Phòng"],
        "place": "Hải Phòng", "date": "2026-11-30", "subject": "x",
        "signer": {"title": "PHÓ TRƯỞNG BAN", "name": ""}})
    assert ('<div class="tthc-body-name"><span>BAN QUẢN LÝ KHU KINH TẾ '
            '<span class="tthc-nowrap">HẢI PHÒNG</span></span></div>') in header_html(meta)
