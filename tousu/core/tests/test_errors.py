"""The one way services fail on input: FieldErrors collects, ValidationFailed carries, and the
shared messages come out in the language of the moment."""

from __future__ import annotations

import pytest
from django.utils import translation

from tousu.core.errors import (
    FieldErrors,
    ValidationFailed,
    invalid_input_message,
    one_of_message,
    required_message,
    too_long_message,
)


def test_nothing_added_raises_nothing() -> None:
    errors = FieldErrors()
    assert not errors
    errors.raise_if_any("never seen")


def test_every_error_in_one_exception_in_the_order_added() -> None:
    errors = FieldErrors()
    errors.add("title", "first")
    errors.add("scores", "a")
    errors.add("scores", "b")
    assert errors
    assert "scores" in errors
    assert "body" not in errors
    with pytest.raises(ValidationFailed) as raised:
        errors.raise_if_any("The case has errors")
    assert raised.value.message == "The case has errors"
    assert raised.value.fields == {"title": ["first"], "scores": ["a", "b"]}
    assert list(raised.value.fields) == ["title", "scores"]
    assert raised.value.status == 422
    assert raised.value.code == "validation_error"


def test_the_exception_holds_a_copy() -> None:
    errors = FieldErrors()
    errors.add("title", "first")
    with pytest.raises(ValidationFailed) as raised:
        errors.raise_if_any()
    errors.add("title", "later")
    assert raised.value.fields == {"title": ["first"]}


def test_default_headline() -> None:
    errors = FieldErrors()
    errors.add("phone", "bad")
    with pytest.raises(ValidationFailed) as raised:
        errors.raise_if_any()
    assert raised.value.message == invalid_input_message() == "提交的内容有误，请检查标出的字段"


def test_for_field() -> None:
    one = ValidationFailed.for_field("file", "文件为空")
    assert (one.message, one.fields) == ("文件为空", {"file": ["文件为空"]})
    two = ValidationFailed.for_field("text", required_message(), message="备注不能为空")
    assert (two.message, two.fields) == ("备注不能为空", {"text": ["此项为必填项"]})


def test_shared_messages_in_chinese_by_default_and_in_english() -> None:
    assert required_message() == "此项为必填项"
    assert too_long_message(200) == "最多 200 个字符"
    assert too_long_message(1000, 1001) == "最多 1000 个字符，当前 1001"
    assert one_of_message(["a", "b"]) == "可选：a, b"
    with translation.override("en"):
        assert required_message() == "Required"
        assert too_long_message(200) == "At most 200 characters"
        assert too_long_message(1000, 1001) == "At most 1000 characters, now 1001"
        assert one_of_message(["a", "b"]) == "One of: a, b"
        assert invalid_input_message() == "The input has errors; please check the marked fields"
