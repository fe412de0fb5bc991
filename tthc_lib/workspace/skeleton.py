"""The narrative skeleton a new workspace starts from: every text key, empty, with a comment in
Vietnamese saying what goes there (docs/report-layout.md § Narrative). An empty key shows in the
report as a clearly marked gap, never as another office's words."""

from __future__ import annotations

from tthc_lib.content.words.narrative import KEYS
from tthc_lib.periods import Period, label_vi

__all__ = ["narrative_skeleton"]

HINTS = {
    "opening": "Mở đầu: căn cứ (công văn, kế hoạch) và câu dẫn. Có thể dùng {issuer}, "
               "{period_label}, {period_range}.",
    "s1_1": "1.1. Kết quả đánh giá tác động và thẩm định TTHC trong dự án, dự thảo văn bản "
            "quy phạm pháp luật có quy định TTHC.",
    "s1_2": "1.2. Kết quả cắt giảm, đơn giản hóa quy định, TTHC (một đoạn, hoặc danh sách "
            "các đoạn).",
    "s2_1": "2.1. Kết quả công khai, minh bạch trong thực hiện TTHC.",
    "late_reason_unit": "Nguyên nhân hồ sơ quá hạn tại đơn vị (một mệnh đề, chèn vào câu "
                        "số liệu mục 2.2).",
    "late_reason_communes": "Nguyên nhân hồ sơ quá hạn tại cấp xã (một mệnh đề).",
    "s2_5": "2.5. Kết nối, chia sẻ dữ liệu; các nội dung khác của mục 2.",
    "achievements": "II.1. Kết quả đạt được. Số liệu ghi trong ngoặc nhọn, ví dụ "
                    "{online_rate}, {received_total}, để luôn khớp với dữ liệu.",
    "difficulties": "II.2. Những khó khăn, vướng mắc, tồn tại, hạn chế và nguyên nhân.",
    "tasks": "III. Nhiệm vụ trọng tâm của kỳ tiếp theo (danh sách các đoạn).",
    "closing": "Câu kết, ví dụ: Trên đây là báo cáo của {issuer}./.",
}


def narrative_skeleton(period: Period, calendar: str = "calendar") -> str:
    """YAML text of an empty narrative for `period`, every key present and explained."""
    lines = [
        (f"# Lời văn báo cáo {label_vi(period, calendar)} ({period.start:%d/%m/%Y} - "
         f"{period.end:%d/%m/%Y})."),
        "# Mỗi mục là một đoạn văn (chuỗi) hoặc danh sách đoạn. Mục để trống hiện trong báo cáo",
        "# là một ô đánh dấu \"chưa có lời văn\". Số liệu viết trong ngoặc nhọn được điền từ dữ",
        "# liệu: {received_total}, {communes.resolved_early}, {early_rate}; từ ngữ: {unit_name}",
        "# {unit_word} {issuer} {parent_name} {period_label} {period_range}.",
        "# Ghi đè theo cấp (levels: {district: {texts: ...}, commune: ...}) hoặc theo đơn vị",
        "# (units: {MÃ: {texts: ...}}).",
        "document:",
        "  number: \"\"          # số văn bản, văn thư ghi khi ký",
        f"  date: {period.end.isoformat()}     # ngày ghi ở dòng địa danh",
        "texts:",
    ]
    for key in KEYS:
        lines.append(f"  # {HINTS[key]}")
        lines.append(f"  {key}: \"\"")
    return "\n".join(lines) + "\n"
