"""Expert teams (R3.4): formed by managers for major and over-level complaints; members of
other departments see the complaint in their queue and write on its timeline."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tousu.accounts import permissions as p
from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import complaint_list, get_complaint_for_user
from tousu.complaints.services import complaint_note_add
from tousu.core.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from tousu.desk.work import work_queue
from tousu.notifications.models import Notification
from tousu.routing.models import ExpertTeam
from tousu.routing.services import expert_team_form

Register = Callable[..., Complaint]
MakeUser = Callable[..., User]


@pytest.fixture
def lawyer(make_user: MakeUser) -> User:
    return make_user("lawyer", "handler", department="legal")


@pytest.fixture
def lawyer2(make_user: MakeUser) -> User:
    return make_user("lawyer2", "handler", department="legal")


@pytest.fixture
def marketer(make_user: MakeUser) -> User:
    return make_user("marketer", "handler", department="marketing")


@pytest.fixture
def major(complaint_in: Register, handler: User) -> Complaint:
    """A major billing complaint waiting with the handler, built in its status: the expert
    team is what these tests are about."""
    return complaint_in("dispatched", level="major", handler=handler)


def test_a_team_member_of_legal_sees_the_complaint_and_notes(
    major: Complaint, supervisor: User, handler: User, lawyer: User, lawyer2: User
) -> None:
    assert not p.can_view(lawyer, major)
    team = expert_team_form(complaint=major, actor=supervisor, lead=handler, members=[lawyer])
    assert team.lead == handler
    assert sorted(m.user.username for m in team.members.all()) == ["handler", "lawyer"]
    complaint = Complaint.objects.get(pk=major.pk)
    assert p.can_view(lawyer, complaint)
    assert p.can_note(lawyer, complaint)
    assert not p.can_handle(lawyer, complaint)  # the team advises; billing still handles
    assert [i.complaint for i in work_queue(lawyer).items] == [complaint]
    assert list(complaint_list(lawyer)) == [complaint]
    assert get_complaint_for_user(lawyer, complaint.number) == complaint
    complaint_note_add(complaint=complaint, actor=lawyer, text="合同条款第5条支持客户诉求")
    assert complaint.events.latest("seq").actor == lawyer
    # A colleague in legal who is not on the team sees nothing.
    assert not p.can_view(lawyer2, complaint)
    assert not p.can_note(lawyer2, complaint)
    assert work_queue(lawyer2).items == []
    assert list(complaint_list(lawyer2)) == []
    with pytest.raises(NotFound):
        get_complaint_for_user(lawyer2, complaint.number)


def test_forming_writes_the_timeline_and_notifies_members(
    major: Complaint, supervisor: User, handler: User, lawyer: User, marketer: User
) -> None:
    expert_team_form(complaint=major, actor=supervisor, lead=lawyer, members=[handler, marketer])
    event = major.events.latest("seq")
    assert event.type == "team_formed"
    assert event.actor == supervisor
    assert event.data["lead"] == "lawyer"
    assert event.data["members"] == ["handler", "lawyer", "marketer"]
    assert event.data["departments"] == ["billing", "legal", "marketing"]
    told = Notification.objects.filter(complaint=major, kind="team")
    assert sorted(n.user.username for n in told) == ["handler", "lawyer", "marketer"]


def test_reforming_replaces_the_members(
    major: Complaint, supervisor: User, handler: User, lawyer: User, marketer: User
) -> None:
    expert_team_form(complaint=major, actor=supervisor, lead=handler, members=[lawyer])
    expert_team_form(complaint=major, actor=supervisor, lead=handler, members=[marketer])
    team = ExpertTeam.objects.get(complaint=major)
    assert sorted(m.user.username for m in team.members.all()) == ["handler", "marketer"]
    assert not p.can_view(lawyer, Complaint.objects.get(pk=major.pk))
    assert major.events.filter(type="team_formed").count() == 2


def test_members_see_each_complaint_once_in_lists(
    major: Complaint, supervisor: User, handler: User, lawyer: User, marketer: User
) -> None:
    expert_team_form(complaint=major, actor=supervisor, lead=lawyer, members=[handler, marketer])
    # handler sees it as handler, as department member and as team member: one row.
    assert [i.complaint for i in work_queue(handler).items] == [major]
    assert complaint_list(handler).count() == 1


def test_only_major_or_over_level_complaints(
    complaint_in: Register, supervisor: User, handler: User, lawyer: User
) -> None:
    ordinary = complaint_in("dispatched", handler=handler)
    with pytest.raises(InvalidTransition):
        expert_team_form(complaint=ordinary, actor=supervisor, lead=handler, members=[lawyer])
    assert not ExpertTeam.objects.exists()


def test_only_managers_who_see_it(
    major: Complaint, handler: User, lawyer: User, make_user: MakeUser
) -> None:
    other_head = make_user("legal_head", "dept_head", department="legal")
    for actor in (handler, other_head):
        with pytest.raises(NotAllowed):
            expert_team_form(complaint=major, actor=actor, lead=handler, members=[lawyer])


def test_a_team_spans_several_departments(
    major: Complaint, supervisor: User, handler: User, handler2: User
) -> None:
    with pytest.raises(ValidationFailed) as info:
        expert_team_form(complaint=major, actor=supervisor, lead=handler, members=[handler2])
    assert "members" in info.value.fields


def test_inactive_or_read_only_people_are_refused(
    major: Complaint, supervisor: User, handler: User, lawyer: User, analyst: User
) -> None:
    lawyer.is_active = False
    lawyer.save()
    for members in ([lawyer], [analyst]):
        with pytest.raises(ValidationFailed):
            expert_team_form(complaint=major, actor=supervisor, lead=handler, members=members)
