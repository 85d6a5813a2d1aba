"""Masking of personal data: enough to recognise, not enough to use."""

from __future__ import annotations

import pytest

from tousu.core.pii import mask_address, mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13800138000", "138****8000"),
        ("02512345678", "025****5678"),
        ("051212345678", "051*****5678"),
        ("02512345", "025*2345"),
        ("1234567", "1******"),
        ("10086", "1****"),
        ("1", "1"),
        ("", ""),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("phone", ["13800138000", "02512345678", "1234567", "10086"])
def test_mask_phone_keeps_the_length_and_hides_the_middle(phone: str) -> None:
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    assert "*" in masked
    assert masked != phone


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("李小明", "李**"),
        ("欧阳娜娜", "欧***"),
        ("John", "J***"),
        ("王", "王*"),
        ("", ""),
    ],
)
def test_mask_name_keeps_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("320102199001011234", "3201**********1234"),
        ("32010219900101123X", "3201**********123X"),
        ("123456789", "1234*6789"),
        ("12345678", "********"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_id_number_hides_the_birth_date(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked
    if len(value) == 18:
        assert value[6:14] not in masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("江苏省南京市玄武区中山路1号", "江苏省南京市****"),
        ("南京市玄武区中山路", "南京市玄武区****"),
        ("南京市玄武区", "南京****"),
        ("南京", "南京****"),
        ("", ""),
    ],
)
def test_mask_address_keeps_only_the_district_level(address: str, masked: str) -> None:
    assert mask_address(address) == masked
    assert "中山路" not in masked
