"""inspect's guesses go by meaning, not spelling alone (issue 22): a date column is never the
channel, a count never the id, "Dừng xử lý" is not open, never-received words get no guess."""

from __future__ import annotations

from tthc_lib import vocab
from tthc_lib.ingest.guess import guess_headers, guess_value

TAN_DAN = ["STT", "Đơn vị tiếp nhận", "Tên thủ tục hành chính", "Mã hồ sơ", "Trạng thái",
           "Ngày nộp hồ sơ", "Ngày nhận", "Ngày hẹn trả", "Ngày kết thúc xử lý"]
STATUS_WORDS = next(c for c in vocab.SCHEMAS["dossiers"] if c.name == "status").values


def test_a_date_header_is_never_the_channel_nor_the_status():
    guesses = guess_headers("dossiers", TAN_DAN, {"dossier_id", "status", "due_at"})
    assert "channel" not in guesses
    assert guesses.get("received_at") in ("Ngày nhận", "Ngày nộp hồ sơ")


def test_a_count_is_never_an_id():
    guesses = guess_headers("dossiers", ["Tổng số hồ sơ", "Số lượng hồ sơ", "Ngày nhận"], set())
    assert "dossier_id" not in guesses


def test_status_words_by_meaning():
    allowed = sorted(set(STATUS_WORDS.values()))
    assert guess_value("Dừng xử lý", STATUS_WORDS, allowed) == "paused"
    assert guess_value("Yêu cầu thực hiện nghĩa vụ tài chính", STATUS_WORDS, allowed) == "paused"
    assert guess_value("Đã xử lý xong", STATUS_WORDS, allowed) == "resolved"
    assert guess_value("Mới đăng ký", STATUS_WORDS, allowed) is None
    assert guess_value("Không được tiếp nhận", STATUS_WORDS, allowed) is None
