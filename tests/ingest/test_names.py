"""Unit and procedure names resolved to codes; unknown and ambiguous names named."""

from __future__ import annotations

import unicodedata

import pytest

from tthc_lib.ingest.names import Resolver, name_key

UNITS = Resolver.of("đơn vị", [
    ("QL", "Xã Quảng La"), ("HG", "Phường Hồng Gai"), ("SXD", "Sở Xây dựng"),
    ("TA1", "Xã Tân An"), ("TA2", "Phường Tân An"),
])


@pytest.mark.parametrize("name, code", [
    ("UBND xã Quảng La", "QL"),
    ("Ủy ban nhân dân  xã   Quảng La", "QL"),
    ("ubnd PHƯỜNG hồng gai", "HG"),
    (unicodedata.normalize("NFD", "Phường Hồng Gai"), "HG"),
    ("Sở Xây dựng", "SXD"),
    ("UBND xã Tân An", "TA1"),
    ("UBND Phường Tân An", "TA2"),
    ("Xây dựng", "SXD"),
    ("HG", "HG"),
])
def test_names_resolve_after_normalising(name, code):
    assert UNITS.code(name) == (code, None)


def test_an_unknown_name_is_named_in_the_reason():
    assert UNITS.code("UBND xã Đông Ngũ") == (
        None, 'tên đơn vị "UBND xã Đông Ngũ" không có trong danh mục')


def test_an_ambiguous_name_is_not_guessed():
    assert UNITS.code("UBND Tân An") == (
        None, 'tên đơn vị "UBND Tân An" trùng với nhiều mã (TA1, TA2)')


def test_a_name_that_is_only_a_kind_word_keeps_it():
    assert name_key("Xã") == "xã"
    assert name_key("Ban", bare=True) == "ban"
    assert name_key("UBND Xã Bản Mù", bare=True) == "bản mù"
