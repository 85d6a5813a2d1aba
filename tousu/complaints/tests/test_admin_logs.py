"""The logs of who took data out are readable in the admin, in the reader's language: the list
exports (written by every export, shown nowhere before) and the personal-data accesses (their
columns read "AT USER SUBJECT FIELDS VIA COUNT" and their values as stored codes)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tousu.complaints.services import list_export_record

pytestmark = pytest.mark.django_db

ZH = {"Accept-Language": "zh-hans"}


def admin_client(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_list_exports_are_listed_read_only_in_chinese(admin_user: Any) -> None:
    log = list_export_record(
        user=admin_user,
        format="xlsx",
        filters={"status": "closed", "channel": "", "department": "billing"},
        rows=42,
        revealed=True,
    )
    client = admin_client(admin_user)
    page = client.get("/admin/complaints/exportlog/", headers=ZH)
    assert page.status_code == 200
    html = page.content.decode()
    for header in ("时间", "用户", "格式", "行数", "筛选条件"):
        assert header in html
    assert "status=closed, department=billing" in html
    assert admin_user.username in html
    # Written by the export only: nobody adds, edits or deletes an entry here.
    assert client.get("/admin/complaints/exportlog/add/").status_code == 403
    detail = client.get(f"/admin/complaints/exportlog/{log.pk}/change/", headers=ZH)
    assert detail.status_code == 200
    assert 'name="rows"' not in detail.content.decode()
    assert client.post(f"/admin/complaints/exportlog/{log.pk}/delete/").status_code == 403
    # The unmasked export is on the personal-data log too, in words.
    pii = client.get("/admin/accounts/piiaccess/", headers=ZH).content.decode()
    for raw in ("Subject", "Fields", "Via", "Count"):  # the field names as headers before
        assert f">{raw}<" not in pii
    for header in ("时间", "用户", "涉及对象", "个人信息", "途径", "记录数"):
        assert header in pii
    assert "投诉列表导出" in pii
    assert "客户姓名、电话、内容、诉求" in pii
    assert "导出" in pii
    assert "complaints:export" not in pii
    assert "name,phone,content,demand" not in pii
