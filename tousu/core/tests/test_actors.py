"""Who acted, as people read it: a member of staff by name; a job or the customer by what it
is, in the reader's language — never its code ("repair", "system")."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import translation

from tousu.core.templatetags.tousu_ui import actor_label


@pytest.mark.parametrize(
    ("name", "zh", "en"),
    [
        ("system", "系统", "System"),
        ("customer", "客户", "Customer"),
        ("repair", "客户修复", "Customer repair"),
        ("retention", "保留期限作业", "Retention job"),
        ("zhang_gone", "zhang_gone", "zhang_gone"),  # an account since removed: as stored
    ],
)
def test_an_event_without_staff_names_who_acted(name: str, zh: str, en: str) -> None:
    event = SimpleNamespace(actor_id=None, actor=None, actor_name=name)
    with translation.override("zh-hans"):
        assert actor_label(event) == zh
    with translation.override("en"):
        assert actor_label(event) == en


def test_a_member_of_staff_by_name() -> None:
    staff = type("Staff", (), {"__str__": lambda self: "李处理"})()
    event = SimpleNamespace(actor_id=7, actor=staff, actor_name="handler1")
    assert actor_label(event) == "李处理"
