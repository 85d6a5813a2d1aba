"""The risk vocabulary admins maintain and the anger model trained by `tousu emotion train`, as
a registration reads them (R2.4, R2.6, issue 18)."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.pages import as_user, page
from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.core.reasons import reasons_text
from tousu.intake import risk as intake_risk
from tousu.intake.models import EmotionModel, RiskTerm
from tousu.intake.risk import DEFAULT_RISK_TERMS, emotion
from tousu.intake.selectors import anger_scorer

pytestmark = pytest.mark.django_db

Register = Callable[..., Complaint]
REVIEWS = Path(__file__).parent / "fixtures" / "emotion_reviews.csv"


def test_a_new_installation_has_the_default_vocabulary() -> None:
    stored = set(RiskTerm.objects.filter(active=True).values_list("term", flat=True))
    assert stored == {term for term, *_rest in DEFAULT_RISK_TERMS}
    kinds = set(RiskTerm.objects.values_list("kind", flat=True))
    assert {"regulator", "petition", "hotline", "court", "media", "collective"} <= kinds


def test_registration_reads_petitions_and_the_city_hotline(register: Register, agent: User) -> None:
    complaint = register(
        actor=agent, content="宽带断了一周，已经打了12345市长热线，再不修我们就集体上访"
    )
    assert reasons_text(complaint.risk_reasons) == "提到集体行动；提到市长热线/12345"


def test_negated_and_substring_mentions_raise_nothing(register: Register, agent: User) -> None:
    complaint = register(actor=agent, content="这台手机的多媒体音量小，我不会去工信部，换一台就好")
    assert complaint.risk_reasons == []
    assert complaint.risk_score == 0.0


def test_terms_admins_add_or_switch_off_apply_to_the_next_registration(
    register: Register, agent: User, admin_user: User
) -> None:
    client = as_user(admin_user)
    assert client.get(reverse("admin:intake_riskterm_changelist")).status_code == 200
    response = client.post(
        reverse("admin:intake_riskterm_add"),
        {
            "term": "拉横幅",
            "weight": "0.5",
            "reason": "扬言拉横幅",
            "kind": "collective",
            "active": "on",
        },
    )
    assert response.status_code == 302
    media = RiskTerm.objects.get(term="媒体")
    media.active = False
    media.save()
    complaint = register(actor=agent, content="再不退钱我就去营业厅门口拉横幅，找媒体")
    assert complaint.risk_reasons == ["扬言拉横幅"]


def test_a_weight_outside_0_to_1_is_refused(admin_user: User) -> None:
    response = as_user(admin_user).post(
        reverse("admin:intake_riskterm_add"),
        {"term": "拉横幅", "weight": "3", "reason": "扬言拉横幅", "kind": "collective"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert not RiskTerm.objects.filter(term="拉横幅").exists()


def test_emotion_train_stores_an_active_model_that_confirms_anger(
    admin_user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Thirty reviews make a model far less sure than the reviews a deployment trains on: the
    # bar it must reach to confirm anger is lowered to match.
    monkeypatch.setattr(intake_risk, "ANGER_CONFIRM", 0.6)
    assert anger_scorer() is None
    out, err = StringIO(), StringIO()
    call_command("emotion", "train", "--file", str(REVIEWS), stdout=out, stderr=err)
    model = EmotionModel.objects.get(active=True)
    assert out.getvalue().strip() == model.version
    assert model.training_n == 30
    assert {"accuracy", "precision", "recall"} <= set(model.metrics)
    scorer = anger_scorer()
    assert scorer is not None
    assert scorer("网速太慢，乱扣话费，客服推来推去") > scorer("网速很快，客服很好，满意")
    # The anger words of a complaint count; the same word said of a thing in praise does not.
    assert emotion("乱扣话费还推来推去，骗子，气死我了").anger > 0
    assert emotion("很满意，服务热情，以前那家的旧卡基本成了垃圾").anger == 0.0
    # A second training replaces the active model; the list shows both, the active one marked.
    call_command("emotion", "train", "--file", str(REVIEWS), stdout=StringIO(), stderr=StringIO())
    assert EmotionModel.objects.count() == 2
    assert EmotionModel.objects.filter(active=True).count() == 1
    listing = StringIO()
    call_command("emotion", "list", stdout=listing)
    assert listing.getvalue().count("*") == 1
    text = page(as_user(admin_user).get(reverse("admin:intake_emotionmodel_changelist")))
    assert model.version in text
