"""The curation pages of approved wording (R7.2): a new article with its first version, a new
version, who may use them, and bad input that writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.knowledge import selectors
from tousu.knowledge.choices import VersionState
from tousu.knowledge.models import WordingArticle, WordingVariant, WordingVersion
from tousu.knowledge.tests.conftest import NEW_TEXT, OLD_TEXT

pytestmark = pytest.mark.django_db

NEW_URL = reverse("knowledge:wording_article_new")


def _article_data(**changes: Any) -> dict[str, Any]:
    day = selectors.today()
    data = {
        "topic": "policy",
        "title": "不明扣费退费口径",
        "key": "unexplained-charge",
        "category": "",
        "body": OLD_TEXT,
        "effective_from": (day - dt.timedelta(days=30)).isoformat(),
        "valid_until": "",
        "change_note": "",
        "variant_sms": "多扣费用全额退还，七个工作日内到账。",
    }
    data.update(changes)
    return data


def test_quality_creates_an_article_and_adds_a_version(quality: Any) -> None:
    client = as_user(quality)
    listing = page(client.get(reverse("knowledge:wording")))
    assert NEW_URL in listing
    assert client.get(NEW_URL).status_code == 200

    response = client.post(NEW_URL, _article_data())
    article_url = reverse("knowledge:wording_article", args=["unexplained-charge"])
    assert response.status_code == 302
    assert response["Location"] == article_url
    article = WordingArticle.objects.get(key="unexplained-charge")
    first = article.versions.get()
    assert (first.number, first.body, first.created_by) == (1, OLD_TEXT, quality)
    assert [(v.channel, v.body) for v in first.variants.all()] == [
        ("sms", "多扣费用全额退还，七个工作日内到账。")
    ]

    version_url = reverse("knowledge:wording_version_new", args=["unexplained-charge"])
    assert version_url in page(client.get(article_url))
    form_page = client.get(version_url)
    assert form_page.status_code == 200
    assert OLD_TEXT in page(form_page)  # starts from what the article says today

    response = client.post(
        version_url,
        {
            "body": NEW_TEXT,
            "effective_from": selectors.today().isoformat(),
            "valid_until": "",
            "change_note": "退款时限缩短为三个工作日",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == article_url

    row = selectors.wording_article_get("unexplained-charge")
    assert [(v.version.number, v.state) for v in row.versions] == [
        (1, VersionState.EXPIRED),
        (2, VersionState.CURRENT),
    ]
    assert row.versions[1].variants == []  # no SMS text given for the new version
    detail = page(client.get(article_url))
    assert str(VersionState.EXPIRED.label) in detail
    assert NEW_TEXT in detail

    changes = client.get(reverse("knowledge:wording_changes", args=["unexplained-charge"]))
    text = page(changes)
    assert "<del>" in text
    assert "<ins>" in text
    assert "退款时限缩短为三个工作日" in text
    assert changes.context["old"].version.number == 1
    assert changes.context["new"].version.number == 2


def test_a_handler_gets_403_and_no_buttons(handler: Any, wording: Any) -> None:
    client = as_user(handler)
    version_url = reverse("knowledge:wording_version_new", args=[wording.key])
    assert NEW_URL not in page(client.get(reverse("knowledge:wording")))
    assert version_url not in page(
        client.get(reverse("knowledge:wording_article", args=[wording.key]))
    )
    assert client.get(NEW_URL).status_code == 403
    assert client.post(NEW_URL, _article_data(key="other")).status_code == 403
    assert client.get(version_url).status_code == 403
    body = {"body": "新口径", "effective_from": selectors.today().isoformat()}
    assert client.post(version_url, body).status_code == 403
    assert not WordingArticle.objects.filter(key="other").exists()
    assert wording.versions.count() == 2


def _counts() -> tuple[int, int, int]:
    # Besides the wording of the messages to customers that `tousu init` loads (issue 17).
    return (
        WordingArticle.objects.exclude(topic="messages").count(),
        WordingVersion.objects.exclude(article__topic="messages").count(),
        WordingVariant.objects.exclude(version__article__topic="messages").count(),
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"effective_from": "2026-03-02", "valid_until": "2026-03-01"},
            "valid_until",
            "失效日期不能早于生效日期",
        ),
        ({"body": "   "}, "body", ""),
        ({"key": "unexplained-charge"}, "key", "已存在"),
        ({"key": "new"}, "key", ""),
        ({"key": "不明扣费"}, "key", ""),
    ],
)
def test_bad_article_input_shows_the_error_and_writes_nothing(
    quality: Any, wording: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    before = _counts()
    response = as_user(quality).post(NEW_URL, _article_data(title="另一篇", **changes))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert message in page(response)
    assert _counts() == before


def test_bad_version_input_shows_the_error_and_writes_nothing(quality: Any, wording: Any) -> None:
    before = _counts()
    url = reverse("knowledge:wording_version_new", args=[wording.key])
    client = as_user(quality)
    response = client.post(
        url, {"body": "新口径", "effective_from": "2026-03-02", "valid_until": "2026-03-01"}
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"valid_until"}
    assert "失效日期不能早于生效日期" in page(response)
    response = client.post(url, {"body": "", "effective_from": "2026-03-02"})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"body"}
    assert _counts() == before


def test_a_refused_first_version_leaves_no_article(quality: Any) -> None:
    """The service writes the article and its first version together or not at all."""
    from tousu.core.errors import ValidationFailed
    from tousu.knowledge import services

    with pytest.raises(ValidationFailed) as error:
        services.wording_article_create(
            actor=quality,
            key="roaming",
            title="漫游资费",
            topic="tariff",
            first_version=services.WordingVersionInput(
                body="x", effective_from=dt.date(2026, 1, 1), variants={"pigeon": "咕"}
            ),
        )
    assert set(error.value.fields) == {"variants"}
    assert _counts() == (0, 0, 0)
