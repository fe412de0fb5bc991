"""The one place where canonical English names meet the Vietnamese that users read.

Every export kind (docs/input-format.md § Export kinds and columns): its columns, their
Vietnamese headers, which are required for recognising the file, which are required per row,
and the value synonyms.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

__all__ = ["CHANGES", "CHANNELS", "FLAGS", "IDS", "KIND_LABELS", "LEVELS", "LEVEL_LABELS",
           "ONLINE_SERVICE", "RECOGNISE", "SCHEMAS", "STATUSES", "TOPICS", "UNIT_KINDS",
           "UNIT_ROLES", "Column", "header_lookup", "norm_header", "norm_value", "stored_columns"]


def norm_header(text: str) -> str:
    """A header as compared: NFC, case-folded, inner whitespace collapsed, ends stripped."""
    text = unicodedata.normalize("NFC", str(text)).replace("\ufeff", "")
    return " ".join(text.split()).casefold()


def norm_value(text: str) -> str:
    """A categorical value as compared against its synonyms."""
    return norm_header(text)


@dataclass(frozen=True)
class Column:
    name: str                 # canonical
    header: str               # Vietnamese header of the one-stop exports
    type: str                 # text | datetime | date | flag | enum
    required: bool = False    # a row without it is set aside
    values: dict[str, str] = field(default_factory=dict)  # synonym -> canonical (enum)
    personal: bool = False    # never stored, never shown


CHANNELS = {
    "trực tuyến": "online", "online": "online",
    "trực tiếp": "in_person", "in_person": "in_person",
    "dịch vụ bưu chính": "post", "bưu chính": "post", "post": "post",
}
STATUSES = {
    "đang giải quyết": "open", "đang xử lý": "open", "open": "open",
    "chờ bổ sung": "paused", "tạm dừng": "paused", "paused": "paused",
    "đã giải quyết": "resolved", "đã trả kết quả": "resolved", "resolved": "resolved",
    "đã rút": "withdrawn", "rút hồ sơ": "withdrawn", "withdrawn": "withdrawn",
    "trả lại": "returned", "từ chối": "returned", "returned": "returned",
}
# How a resolved dossier kept to its due date, where the export gives that instead of the
# closing date (e-par: days early / on time / late in three columns).
TIMELINESS = {"trước hạn": "early", "sớm hạn": "early", "early": "early",
              "đúng hạn": "on_time", "on_time": "on_time",
              "quá hạn": "late", "trễ hạn": "late", "late": "late"}
LEVELS = {"cấp tỉnh": "province", "province": "province",
          "cấp huyện": "district", "district": "district",
          "cấp xã": "commune", "commune": "commune"}
# The one Vietnamese label of each level, as tables, the index and Biểu 06 write it; prose
# writes it in lower case ("cấp xã").
LEVEL_LABELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
ONLINE_SERVICE = {
    "toàn trình": "full", "full": "full",
    "một phần": "partial", "partial": "partial",
    "": "none", "không": "none", "none": "none",
}
CHANGES = {
    "ban hành mới": "new", "new": "new",
    "sửa đổi, bổ sung": "amended", "amended": "amended",
    "bãi bỏ": "abolished", "abolished": "abolished",
}
TOPICS = {
    "quy định hành chính": "regulation_or_conduct",
    "hành vi hành chính": "regulation_or_conduct",
    "regulation_or_conduct": "regulation_or_conduct",
    "quy định kinh doanh": "business_regulation",
    "business_regulation": "business_regulation",
}
# Kind (Loại đơn vị) -> level (docs/structure.md § Levels and kinds). `Thành phố` alone is a
# city under a province.
UNIT_KINDS = {
    "tỉnh": "province", "thành phố trực thuộc trung ương": "province",
    "sở": "province", "ban": "province", "cơ quan": "province", "trung tâm": "province",
    "thành phố": "district", "thị xã": "district", "huyện": "district", "quận": "district",
    "phường": "commune", "xã": "commune", "thị trấn": "commune", "đặc khu": "commune",
    "province": "province", "district": "district", "commune": "commune",
}
# Kind -> role: a department is a body under a province that resolves province-level
# procedures; every other kind is a territory.
UNIT_ROLES = {
    **{k: "territory" for k in UNIT_KINDS},
    "sở": "department", "ban": "department", "cơ quan": "department", "trung tâm": "department",
    "department": "department",
}
# Successions: scope (Phạm vi).
SCOPES_OF_SUCCESSION = {
    "toàn bộ": "whole", "whole": "whole",
    "một phần": "part", "part": "part",
}
FLAGS = {
    "có": True, "true": True, "1": True, "x": True, "yes": True,
    "không": False, "false": False, "0": False, "": False, "no": False,
}

# A yes/no flag whose empty value means "not said" (NULL), not "no".
YES_NO = {k: v for k, v in FLAGS.items() if k}

# Vietnamese names of the kinds, for messages users read.
KIND_LABELS = {
    "units": "danh mục đơn vị",
    "procedures": "danh mục thủ tục",
    "changes": "công bố TTHC",
    "dossiers": "hồ sơ",
    "feedback": "phản ánh, kiến nghị",
    "successions": "sắp xếp đơn vị hành chính",
}

SCHEMAS: dict[str, list[Column]] = {
    "units": [
        Column("unit_code", "Mã đơn vị", "text", True),
        Column("unit_name", "Tên đơn vị", "text", True),
        Column("kind", "Loại đơn vị", "enum", True, UNIT_KINDS),
        Column("level", "Cấp", "enum", False, LEVELS),
        Column("established", "Ngày thành lập", "date"),
        Column("parent_code", "Mã đơn vị cấp trên", "text"),
    ],
    "procedures": [
        Column("procedure_code", "Mã thủ tục", "text", True),
        Column("procedure_name", "Tên thủ tục", "text", True),
        Column("field", "Lĩnh vực", "text"),
        Column("level", "Cấp thực hiện", "enum", True, LEVELS),
        Column("online_service", "Mức độ DVC trực tuyến", "enum", False, ONLINE_SERVICE),
    ],
    "changes": [
        Column("decision_no", "Số quyết định", "text", True),
        Column("decision_date", "Ngày quyết định", "date", True),
        Column("procedure_code", "Mã thủ tục", "text", True),
        Column("level", "Cấp thực hiện", "enum", True, LEVELS),
        Column("change", "Loại công bố", "enum", True, CHANGES),
    ],
    "dossiers": [
        Column("dossier_id", "Mã hồ sơ", "text", True),
        Column("unit_code", "Mã đơn vị", "text", True),
        Column("procedure_code", "Mã thủ tục", "text", True),
        Column("procedure_name", "Tên thủ tục", "text"),
        Column("channel", "Hình thức nộp", "enum", True, CHANNELS),
        Column("received_at", "Ngày tiếp nhận", "datetime", True),
        Column("due_at", "Ngày hẹn trả", "datetime"),
        Column("status", "Trạng thái", "enum", True, STATUSES),
        Column("closed_at", "Ngày kết thúc", "datetime"),
        Column("digitised_on_receipt", "Số hóa thành phần hồ sơ", "flag"),
        Column("result_digitised", "Số hóa kết quả", "flag"),
        Column("timeliness", "Tiến độ giải quyết", "enum", False, TIMELINESS),
        # Where the export gives no closing date but lists dossiers resolved in a window
        # (e-par's report: "Từ ngày … đến ngày …"): the closing date lies between these.
        Column("closed_from", "Giải quyết từ ngày", "date"),
        Column("closed_to", "Giải quyết đến ngày", "date"),
        Column("applicant_name", "Người nộp", "text", personal=True),
        Column("applicant_id", "Số CCCD", "text", personal=True),
        Column("applicant_phone", "Số điện thoại", "text", personal=True),
        Column("applicant_address", "Địa chỉ", "text", personal=True),
    ],
    "feedback": [
        Column("feedback_id", "Mã PAKN", "text", True),
        Column("unit_code", "Mã đơn vị", "text", True),
        Column("topic", "Nội dung phản ánh về", "enum", True, TOPICS),
        Column("received_at", "Ngày tiếp nhận", "datetime", True),
        Column("due_at", "Hạn xử lý", "datetime", True),
        Column("handled_at", "Ngày xử lý xong", "datetime"),
        Column("content", "Nội dung", "text", personal=True),
    ],
    "successions": [
        Column("old_code", "Mã đơn vị cũ", "text", True),
        Column("new_code", "Mã đơn vị mới", "text", True),
        Column("effective_date", "Ngày hiệu lực", "date", True),
        Column("scope", "Phạm vi", "enum", True, SCOPES_OF_SUCCESSION),
        Column("takes_data", "Nhận số liệu", "enum", False, YES_NO),
        Column("basis", "Căn cứ", "text"),
    ],
}

# Headers that must all be present for a file to be of a kind
# (docs/input-format.md § Header row and kind).
RECOGNISE: dict[str, tuple[str, ...]] = {
    "dossiers": ("dossier_id", "unit_code", "procedure_code", "channel", "received_at",
                 "due_at", "status"),
    "procedures": ("procedure_code", "procedure_name", "level"),
    "changes": ("decision_no", "decision_date", "procedure_code", "level", "change"),
    "feedback": ("feedback_id", "unit_code", "topic", "received_at", "due_at"),
    "units": ("unit_code", "unit_name", "kind"),
    "successions": ("old_code", "new_code", "effective_date", "scope"),
}

# The id of a record of each kind: a later row with the same id replaces the stored one.
IDS: dict[str, tuple[str, ...]] = {
    "units": ("unit_code",),
    "procedures": ("procedure_code",),
    "changes": ("decision_no", "procedure_code"),
    "dossiers": ("dossier_id",),
    "feedback": ("feedback_id",),
    "successions": ("old_code", "new_code"),
}

# Registries load before the records that refer to them.
LOAD_ORDER = ("units", "successions", "procedures", "changes", "dossiers", "feedback")


def header_lookup(kind: str) -> dict[str, Column]:
    """Normalised header (Vietnamese or canonical) -> column, for one kind."""
    out: dict[str, Column] = {}
    for col in SCHEMAS[kind]:
        out[norm_header(col.header)] = col
        out[norm_header(col.name)] = col
    return out


def stored_columns(kind: str) -> list[Column]:
    """Columns kept in the store: everything but personal data."""
    return [c for c in SCHEMAS[kind] if not c.personal]
