"""The timeline names people and roles as people know them (issue 13): a display name, not a
username; the approver's role by its label, not its code ("级别 supervisor")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.pages import as_user, page

pytestmark = pytest.mark.django_db


def test_the_timeline_shows_names_and_the_approvers_role(
    complaint_in: Callable[..., Any], handler: Any, supervisor: Any
) -> None:
    handler.display_name = "李处理"
    handler.save(update_fields=["display_name"])
    complaint = complaint_in("awaiting_approval", handler=handler)

    html = page(as_user(supervisor).get(f"/complaints/{complaint.number}/"))

    timeline = html[html.index('class="timeline"') :]
    assert '<span class="actor">李处理</span>' in timeline
    assert '<span class="muted">审批人角色</span>主管' in timeline
    assert "级别</span>supervisor" not in timeline


def test_a_recategorisation_shows_both_categories_by_name(
    complaint_in: Callable[..., Any], handler: Any
) -> None:
    """The category before a correction is a category, not a level ("原级别
    billing.tariff_dispute"): "原类别" and its name."""
    from tousu.classification.models import Category
    from tousu.routing.services import complaint_categorise

    complaint = complaint_in("in_progress", handler=handler)
    roaming = Category.objects.get(code="billing.roaming")
    complaint_categorise(complaint=complaint, actor=handler, category=roaming)

    html = page(as_user(handler).get(f"/complaints/{complaint.number}/"))

    timeline = html[
        html.index('class="timeline"') : html.index("</ol>", html.index('class="timeline"'))
    ]
    assert '<span class="muted">原类别</span>资费计费 &gt; 不明扣费' in timeline
    assert (
        f'<span class="muted">投诉类别</span>{roaming.path_name.replace(">", "&gt;")}' in timeline
    )
    assert "billing.unexplained_charge" not in timeline
    assert "原级别" not in timeline
