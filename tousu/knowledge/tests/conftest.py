"""Fixtures of the knowledge tests: a standard clause for the billing complaints of the root
`register`/`lifecycle` fixtures, and an approved wording with an expired version."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tousu.knowledge import services
from tousu.knowledge.selectors import today

OLD_TEXT = "不明扣费核实属实的，全额退还并赠送十元话费作为补偿。退款在七个工作日内返还至话费账户。"
NEW_TEXT = "不明扣费核实属实的，全额退还多扣费用。退款在三个工作日内返还至话费账户。"


@pytest.fixture
def clause(reference: None) -> Any:
    from tousu.classification.models import Category
    from tousu.resolution.models import ClauseRemedy, StandardClause

    row = StandardClause.objects.create(
        code="BILL-01",
        version=1,
        title="不明扣费退还",
        text="核实为我方计费错误的，全额退还争议金额。",
        category=Category.objects.get(code="billing.unexplained_charge"),
        effective_from=dt.date(2020, 1, 1),
    )
    ClauseRemedy.objects.create(clause=row, type="refund", basis="none", note="全额退还")
    return row


@pytest.fixture
def wording(quality: Any) -> Any:
    """An article for unexplained charges: v1 expired yesterday, v2 in force since today, with
    an SMS variant."""
    from tousu.classification.models import Category

    article = services.wording_article_create(
        actor=quality,
        key="unexplained-charge",
        title="不明扣费退费口径",
        topic="policy",
        category=Category.objects.get(code="billing"),
    )
    day = today()
    services.wording_version_add(
        article=article,
        actor=quality,
        body=OLD_TEXT,
        effective_from=day - dt.timedelta(days=100),
        valid_until=day - dt.timedelta(days=1),
    )
    services.wording_version_add(
        article=article,
        actor=quality,
        body=NEW_TEXT,
        effective_from=day,
        change_note="退款时限缩短为三个工作日",
        variants={"sms": "多扣费用全额退还，三个工作日内到账。"},
    )
    return article
