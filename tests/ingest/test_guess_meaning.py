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


def test_each_guess_says_how_sure_it_is():
    from tthc_lib.ingest.guess import CERTAIN, LIKELY, UNSURE, rate_headers

    rated = rate_headers("dossiers", ["Số biên nhận", "Trạng thái xử lý", "Ngày hẹn",
                                      "Mã số"], set())
    assert rated["dossier_id"].level == CERTAIN          # one of the column's names
    assert rated["status"].level == LIKELY               # holds "Trạng thái" whole
    # "Ngày hẹn": as close to the received date as to the due date; "Mã số": too far
    assert rated["received_at"].level == UNSURE
    assert "due_at" not in guess_headers("dossiers", ["Ngày hẹn"], set())
    assert "received_at" not in guess_headers("dossiers", ["Ngày hẹn"], set())


def test_personal_data_by_the_shape_of_values():
    from tthc_lib.ingest.samples import looks_personal, personal_header

    for value in ("001090012345", "012345678", "0912 345 678", "+84 987 654 321",
                  "0203.3456.789", "an@example.com", "Nguyễn Văn An", "NGUYỄN THỊ HOA",
                  "Thôn 3, xã Quảng La", "Số 12 đường Trần Phú", "gọi 0987654321"):
        assert looks_personal(value), value
    for value in ("000.00.21.H23-261102-0001", "2.000001", "02/03/2023 08:00", "UB-1",
                  "UBND xã Quảng La", "Đã xử lý xong", "150.000.000", "Sở Xây dựng",
                  "Đăng ký khai sinh", "1.001193",
                  # dates with a time: ten digits from a 0 on, never an ID or a phone
                  "01-10-2026 08:15", "01/10/2026 08:15:22", "2026-10-01 08:15",
                  "06-10-2026 Từ 7:30 đến 11:30", "01.10.2026 08:15"):
        assert not looks_personal(value), value
    for value in ("0912 345 678 ngày 01-10-2026", "01-10-2026 0912345678"):
        assert looks_personal(value), value
    for header in ("Họ và tên", "Số CMND/CCCD", "SĐT", "E-mail", "Địa chỉ thường trú",
                   "Nội dung phản ánh", "Ngày sinh", "Người nộp hồ sơ"):
        assert personal_header(header), header
    for header in ("Mã hồ sơ", "Ngày trả lời", "Trạng thái", "Ngày hẹn trả kết quả"):
        assert not personal_header(header), header
