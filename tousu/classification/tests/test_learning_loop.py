"""The learning loop (issue 18): a challenger trained on the older confirmed complaints is
activated only when it beats the active model on the newest ones, and every run is recorded
with both scores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.pages import as_user, page
from tousu.classification import services
from tousu.classification.models import ModelChallenge, TextModel
from tousu.classification.selectors import active_classifier_reset
from tousu.classification.tests.test_model import FIXTURE, LABELS, TEXTS
from tousu.config import jobs
from tousu.core import clock

CODES = list(FIXTURE)


@pytest.fixture(autouse=True)
def _no_cached_model() -> Iterator[None]:
    active_classifier_reset()
    yield
    active_classifier_reset()


def closed_complaints(complaint_in: Callable[..., Any], *, wrong_until: int = 0) -> list[Any]:
    """The fixture's 60 complaints, closed, received one hour apart with the four categories
    taking turns (so that the newest twelve hold all four). The first `wrong_until` carry the
    next category instead of theirs: labels a model should not learn from."""
    start = clock.now() - dt.timedelta(days=10)
    made = []
    for i in range(len(TEXTS)):
        k, j = i % len(CODES), i // len(CODES)
        code = CODES[(k + 1) % len(CODES)] if i < wrong_until else CODES[k]
        made.append(
            complaint_in(
                "closed",
                category=code,
                content=FIXTURE[CODES[k]][j],
                demand="",
                department="billing",  # the handler persona's, whatever the category
                received_at=start + dt.timedelta(hours=i),
            )
        )
    return made


def active_model_trained_on(texts: list[str], labels: list[str]) -> TextModel:
    model = services.text_model_train(texts=texts, labels=labels, source="test", score=False)
    return services.text_model_activate(model)


def test_a_better_challenger_is_activated_and_both_scores_recorded(
    complaint_in: Callable[..., Any],
) -> None:
    closed_complaints(complaint_in)
    # The active model learnt every text under the next category's name: wrong everywhere.
    shifted = [CODES[(CODES.index(label) + 1) % len(CODES)] for label in LABELS]
    champion = active_model_trained_on(TEXTS, shifted)

    summary = jobs.run("classification.retrain")

    run = ModelChallenge.objects.get()
    assert summary["outcome"] == run.outcome == "activated"
    assert run.champion == champion
    assert run.champion_version == champion.version
    assert run.challenger_f1 is not None
    assert run.champion_f1 is not None
    assert run.challenger_f1 > run.champion_f1
    assert (run.training_n, run.holdout_n) == (48, 12)  # the newest fifth, never trained on
    active = TextModel.objects.get(active=True)
    assert active == run.challenger
    assert active.source == "loop"
    assert active.metrics["macro_f1"] == pytest.approx(run.challenger_f1)


def test_a_worse_challenger_is_never_activated(complaint_in: Callable[..., Any]) -> None:
    # The older 48 complaints carry wrong categories, the newest 12 right ones: a challenger
    # learns the wrong ones, while the active model learnt the fixture as it is.
    closed_complaints(complaint_in, wrong_until=48)
    champion = active_model_trained_on(TEXTS, LABELS)

    summary = jobs.run("classification.retrain")

    run = ModelChallenge.objects.get()
    assert summary["outcome"] == run.outcome == "kept"
    assert run.challenger_f1 is not None
    assert run.champion_f1 is not None
    assert run.challenger_f1 < run.champion_f1
    assert TextModel.objects.get(active=True) == champion
    # The losing challenger is not kept (a model is megabytes), its version and score are.
    assert run.challenger is None
    assert run.challenger_version
    assert not TextModel.objects.filter(version=run.challenger_version).exists()


def test_a_second_run_on_the_same_data_does_nothing_and_new_data_runs_again(
    complaint_in: Callable[..., Any],
) -> None:
    closed_complaints(complaint_in)
    first = jobs.run("classification.retrain")  # no model yet: against the keyword rules
    run = ModelChallenge.objects.get()
    assert run.champion_version == services.KEYWORD_RULES
    assert first["outcome"] in ("activated", "kept")
    models = TextModel.objects.count()

    active = TextModel.objects.filter(active=True).first()
    for _ in range(2):  # the same complaints: not trained again, nothing changes
        assert jobs.run("classification.retrain") == {"outcome": "unchanged"}
    assert ModelChallenge.objects.count() == 1
    assert TextModel.objects.count() == models
    assert TextModel.objects.filter(active=True).first() == active

    complaint_in(
        "closed", category=CODES[0], content="地铁站里手机完全没信号", department="billing"
    )
    assert jobs.run("classification.retrain")["outcome"] in ("activated", "kept")
    assert ModelChallenge.objects.count() == 2


def test_too_few_complaints_train_nothing(complaint_in: Callable[..., Any]) -> None:
    complaint_in("closed", category=CODES[0], content=TEXTS[0], department="billing")
    assert jobs.run("classification.retrain")["outcome"] == "too_few"
    assert not TextModel.objects.exists()
    assert jobs.run("classification.retrain") == {"outcome": "unchanged"}
    assert ModelChallenge.objects.count() == 1


def test_a_failed_run_frees_its_data_for_the_next(
    complaint_in: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_complaints(complaint_in)

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    with monkeypatch.context() as m:
        m.setattr(services, "text_model_train", broken)
        with pytest.raises(RuntimeError):
            jobs.run("classification.retrain")
    assert not ModelChallenge.objects.exists()
    assert jobs.run("classification.retrain")["outcome"] in ("activated", "kept")


def test_the_classifier_page_shows_the_history(
    complaint_in: Callable[..., Any], supervisor: Any, agent: Any
) -> None:
    closed_complaints(complaint_in)
    shifted = [CODES[(CODES.index(label) + 1) % len(CODES)] for label in LABELS]
    champion = active_model_trained_on(TEXTS, shifted)
    jobs.run("classification.retrain")
    run = ModelChallenge.objects.get()

    assert as_user(agent).get("/triage/classifier/").status_code == 403
    html = page(as_user(supervisor).get("/triage/classifier/"))
    assert champion.version in html
    assert run.challenger_version in html
    assert f"{run.challenger_f1:.3f}" in html
    assert f"{run.champion_f1:.3f}" in html
    assert "/triage/classifier/" in page(as_user(supervisor).get("/triage/"))
    assert "/triage/classifier/" not in page(as_user(agent).get("/triage/"))
