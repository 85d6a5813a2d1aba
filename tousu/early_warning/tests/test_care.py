"""Known faults and their proactive-care lists (issue 15 item 3, S3 先于客户发现问题):
`tousu import-faults` takes a file whole or not at all and never twice; the care list holds the
affected customers who have not complained, worth a call, ranked; a customer who complains
anyway is marked; the owning department finds the list in its work queue and records calls."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tousu.accounts.models import PiiAccess
from tousu.core import clock
from tousu.core.errors import NotAllowed, ValidationFailed
from tousu.customers.models import Customer
from tousu.desk.work import WorkKind, work_queue
from tousu.early_warning import jobs
from tousu.early_warning.choices import CareStatus
from tousu.early_warning.models import CareItem, Fault
from tousu.early_warning.services import care_item_record, care_list_build

pytestmark = pytest.mark.django_db
Cli = Callable[..., tuple[int, str, str]]
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "faults.csv"
HEADERS = ["故障编号", "类型", "标题", "描述", "地区", "开始时间", "结束时间", "影响账号"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _local(moment: dt.datetime) -> str:
    return clock.local(moment).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def suzhou(register: Callable[..., Any]) -> dict[str, Customer]:
    """Customers of 苏州 before an outage two hours ago: one with earlier complaints, one of
    high value with none, one nobody need call, and one who has complained about the outage."""
    now = clock.now()
    register(
        customer_phone="13900000001",
        region="suzhou",
        content="宽带经常掉线，修了几次都没好，再这样我就去工信部投诉",
        category="network.broadband_outage",
        received_at=now - dt.timedelta(days=40),
    )
    register(customer_phone="13900000002", region="suzhou", received_at=now - dt.timedelta(days=5))
    register(
        customer_phone="13900000003", region="suzhou", received_at=now - dt.timedelta(days=400)
    )
    register(
        customer_phone="13900000004",
        region="suzhou",
        content="家里宽带断网了，光猫红灯",
        category="network.broadband_outage",
        received_at=now - dt.timedelta(minutes=30),
    )
    Customer.objects.create(phone="13900000005", region_id=_region("suzhou"), value_tier="五星")
    Customer.objects.create(phone="13900000006", region_id=_region("suzhou"), value_tier="二星")
    Customer.objects.create(phone="13900000007", region_id=_region("wuxi"), value_tier="五星")
    return {c.phone[-1]: c for c in Customer.objects.filter(phone__startswith="1390000000")}


def _region(code: str) -> int:
    from tousu.accounts.models import Region

    return Region.objects.get(code=code).pk


def _outage_file(tmp_path: Path, *extra: list[str]) -> Path:
    start = clock.now() - dt.timedelta(hours=2)
    row = ["NOC-1", "网络故障", "园区光缆中断", "主干光缆被挖断", "苏州", _local(start), "", ""]
    return _write(tmp_path / "faults.csv", [HEADERS, row, *extra])


# ---- the import ----------------------------------------------------------------------------------


def test_the_sample_file_imports(tousu_cli: Cli, reference: None, tmp_path: Path) -> None:
    path = shutil.copy(SAMPLE, tmp_path / SAMPLE.name)

    code, out, err = tousu_cli("import-faults", str(path))

    assert code == 0, err
    assert "imported 2 faults" in out
    network = Fault.objects.select_related("region", "department").get(
        external_id="NOC-20261120-017"
    )
    assert network.region is not None
    assert (network.kind, network.region.code, network.department.code) == (
        "network",
        "suzhou",
        "network",
    )
    assert network.started_at == dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.SHANGHAI)
    assert network.accounts == []
    billing = Fault.objects.get(external_id="BIL-202611-003")
    assert billing.kind == "billing"
    assert billing.department.code == "billing"
    assert billing.accounts == ["025100000001", "025100000002", "025100000003"]


def test_importing_the_same_file_twice_creates_no_second_fault(
    tousu_cli: Cli, reference: None, tmp_path: Path
) -> None:
    path = shutil.copy(SAMPLE, tmp_path / SAMPLE.name)
    assert tousu_cli("import-faults", str(path))[0] == 0

    code, out, _ = tousu_cli("import-faults", str(path))

    assert code == 0
    assert "imported 0 faults, 2 already imported before" in out
    assert Fault.objects.count() == 2


def test_without_an_id_the_key_is_kind_region_start_and_title(
    tousu_cli: Cli, reference: None, tmp_path: Path
) -> None:
    rows = [
        ["类型", "标题", "地区", "开始时间"],
        ["network", "基站停电", "wuxi", "2026-11-20 08:00"],
        ["network", "基站停电", "wuxi", "2026-11-21 08:00"],  # another day: another fault
    ]
    path = _write(tmp_path / "f.csv", rows)
    assert tousu_cli("import-faults", str(path))[0] == 0
    assert tousu_cli("import-faults", str(path))[0] == 0
    assert Fault.objects.count() == 2


def test_a_file_with_bad_rows_gets_a_row_by_row_report_and_changes_nothing(
    tousu_cli: Cli, reference: None, tmp_path: Path
) -> None:
    rows = [
        HEADERS,
        ["A1", "网络故障", "光缆中断", "", "苏州", "2026-11-20 09:00", "2026-11-20 15:00", ""],
        ["A2", "停水", "", "", "火星", "昨天", "", ""],
        ["A3", "计费差错", "重复扣费", "", "", "2026-11-01", "2026-10-01", "025#1;0251"],
        ["A1", "网络故障", "光缆中断", "", "苏州", "2026-11-20 09:00", "", ""],
    ]
    path = _write(tmp_path / "bad.csv", rows)

    code, _out, err = tousu_cli("import-faults", str(path))

    assert code != 0
    assert "3 of 4 rows have errors; nothing imported" in err
    assert Fault.objects.count() == 0
    assert CareItem.objects.count() == 0
    report = list(csv.reader((tmp_path / "bad.csv.errors.csv").read_text("utf-8-sig").splitlines()))
    assert report[0][:3] == ["row", "field", "message"]
    by_row = {line[0]: line for line in report[1:]}
    assert set(by_row) == {"3", "4", "5"}
    assert by_row["3"][1] == "类型; 标题; 地区; 开始时间"
    assert "network or billing" in by_row["3"][2] or "network" in by_row["3"][2]
    assert by_row["4"][1] == "结束时间; 影响账号"
    assert "025#1" in by_row["4"][2]
    assert by_row["5"][1] == "故障编号"
    # The report repeats the row as it was, to correct and import again.
    assert by_row["3"][3:] == rows[2]


def test_an_excel_file_imports(tousu_cli: Cli, reference: None, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["kind", "title", "region", "start", "end", "accounts"])
    # Excel keeps times as date cells and a lone account as a number.
    sheet.append(["billing", "漫游费误收", "", dt.datetime(2026, 11, 2, 8, 0), None, 25100000009])
    path = tmp_path / "faults.xlsx"
    workbook.save(path)

    code, _out, err = tousu_cli("import-faults", str(path))

    assert code == 0, err
    fault = Fault.objects.get()
    assert fault.accounts == ["25100000009"]
    assert fault.started_at == dt.datetime(2026, 11, 2, 8, 0, tzinfo=clock.SHANGHAI)
    assert fault.region is None


def test_dry_run_writes_nothing(tousu_cli: Cli, reference: None, tmp_path: Path) -> None:
    path = shutil.copy(SAMPLE, tmp_path / SAMPLE.name)
    code, out, _ = tousu_cli("import-faults", str(path), "--dry-run")
    assert code == 0
    assert "would import 2 faults" in out
    assert Fault.objects.count() == 0


def test_a_file_without_the_needed_columns_is_refused(
    tousu_cli: Cli, reference: None, tmp_path: Path
) -> None:
    path = _write(tmp_path / "f.csv", [["标题", "地区"], ["x", "苏州"]])
    code, _out, err = tousu_cli("import-faults", str(path))
    assert code != 0
    assert "missing column for kind, start" in err
    assert Fault.objects.count() == 0


# ---- the care list ------------------------------------------------------------------------------


def test_the_care_list_holds_affected_customers_worth_a_call_who_have_not_complained(
    tousu_cli: Cli, suzhou: dict[str, Customer], tmp_path: Path
) -> None:
    code, out, err = tousu_cli("import-faults", str(_outage_file(tmp_path)))
    assert code == 0, err
    assert "3 customers on the care list" in out

    items = list(
        CareItem.objects.select_related("customer", "department").order_by("-score", "-value_rank")
    )
    phones = [i.customer.phone[-1] for i in items]
    # 1 threatened the MIIT (highest); 2's complaint of five days ago is still open past its
    # limit; 5 is of high value. 4 has complained about the outage already, 3's complaint is
    # over a year old, 6 is neither, 7 lives in 无锡.
    assert phones == ["1", "2", "5"]
    assert "customer_risk.overdue" in [r["code"] for r in items[1].reasons]
    assert items[2].reasons == [{"code": "customer_risk.high_value", "params": {"tier": "五星"}}]
    assert all(i.department.code == "network" and i.status == CareStatus.OPEN for i in items)
    first = items[0]
    codes = [r["code"] for r in first.reasons]
    assert codes[0] == "care.earlier"
    assert "risk.marker.miit" in codes
    assert first.due_at > first.listed_at


def test_rebuilding_adds_new_customers_and_never_duplicates(
    suzhou: dict[str, Customer], tmp_path: Path, tousu_cli: Cli
) -> None:
    tousu_cli("import-faults", str(_outage_file(tmp_path)))
    fault = Fault.objects.get()
    assert care_list_build(fault=fault)["listed"] == 0
    Customer.objects.create(phone="13900000008", region_id=_region("suzhou"), value_tier="四星")

    built = care_list_build(fault=fault)

    assert built["listed"] == 1
    assert CareItem.objects.filter(fault=fault).count() == 4


def test_an_account_list_limits_the_fault_to_those_accounts(
    register: Callable[..., Any], tousu_cli: Cli, tmp_path: Path
) -> None:
    now = clock.now()
    for n in (1, 2, 3):
        register(
            customer_phone=f"1380000000{n}",
            customer_account=f"02510000000{n}",
            region="nanjing",
            received_at=now - dt.timedelta(days=30),
        )
    row = [
        "B1",
        "billing",
        "重复扣费",
        "",
        "南京",
        _local(now - dt.timedelta(days=1)),
        "",
        "025100000001|025100000003",
    ]
    path = _write(tmp_path / "b.csv", [HEADERS, row])

    assert tousu_cli("import-faults", str(path))[0] == 0

    listed = set(CareItem.objects.values_list("customer__account", flat=True))
    assert listed == {"025100000001", "025100000003"}
    assert set(CareItem.objects.values_list("department__code", flat=True)) == {"billing"}


def test_a_listed_customer_who_complains_anyway_is_marked_by_the_job(
    suzhou: dict[str, Customer],
    tmp_path: Path,
    tousu_cli: Cli,
    register: Callable[..., Any],
    handler: Any,
) -> None:
    tousu_cli("import-faults", str(_outage_file(tmp_path)))
    called = CareItem.objects.get(customer=suzhou["1"])
    care_item_record(
        item=called, actor=_network_handler(handler), outcome="contacted", note="已致电告知"
    )
    register(
        customer_phone="13900000005",
        region="suzhou",
        content="宽带断了",
        category="network.broadband_outage",
    )
    register(
        customer_phone="13900000001",
        region="suzhou",
        content="还是断网",
        category="network.broadband_outage",
    )
    # A billing complaint is not about the network fault.
    register(customer_phone="13900000002", region="suzhou")

    first = jobs.care_scan()
    again = jobs.care_scan()

    assert first["complained"] == 2
    assert again["complained"] == 0
    anyway = CareItem.objects.get(customer=suzhou["5"])
    assert anyway.status == CareStatus.COMPLAINED
    assert anyway.complaint is not None
    called.refresh_from_db()
    assert called.status == CareStatus.CONTACTED  # the call was made; the complaint is noted
    assert called.complaint is not None
    assert CareItem.objects.get(customer=suzhou["2"]).status == CareStatus.OPEN


def _network_handler(handler: Any) -> Any:
    from tousu.accounts.models import Department

    handler.department = Department.objects.get(code="network")
    handler.save(update_fields=["department"])
    return handler


# ---- recording a call, the work queue, permissions -------------------------------------------


@pytest.fixture
def listed(suzhou: dict[str, Customer], tmp_path: Path, tousu_cli: Cli) -> list[CareItem]:
    tousu_cli("import-faults", str(_outage_file(tmp_path)))
    return list(CareItem.objects.order_by("-score", "-value_rank"))


def test_recording_a_call(listed: list[CareItem], handler: Any) -> None:
    caller = _network_handler(handler)
    item = care_item_record(
        item=listed[0],
        actor=caller,
        outcome="contacted",
        note="已致电告知故障原因及预计恢复时间，客户表示理解",
    )
    assert item.status == CareStatus.CONTACTED
    assert item.handled_by == caller
    assert item.handled_at is not None
    done = care_item_record(
        item=item, actor=caller, outcome="done", note="已恢复，客户确认可以上网"
    )
    assert done.status == CareStatus.DONE
    with pytest.raises(ValidationFailed):
        care_item_record(item=done, actor=caller, outcome="contacted", note="再打一次")


@pytest.mark.parametrize(
    ("outcome", "note", "field"),
    [
        ("complained", "x", "outcome"),
        ("open", "x", "outcome"),
        ("contacted", "  ", "note"),
        ("done", "长" * 2001, "note"),
    ],
)
def test_bad_input_changes_nothing(
    listed: list[CareItem], handler: Any, outcome: str, note: str, field: str
) -> None:
    item = listed[0]
    with pytest.raises(ValidationFailed) as exc:
        care_item_record(item=item, actor=_network_handler(handler), outcome=outcome, note=note)
    assert field in exc.value.fields
    item.refresh_from_db()
    assert (item.status, item.note, item.handled_by_id) == (CareStatus.OPEN, "", None)


def test_only_the_owning_department_records(
    listed: list[CareItem], handler: Any, supervisor: Any
) -> None:
    # `handler` and `supervisor` are of the billing department; the fault is the network's.
    for user in (handler, supervisor):
        with pytest.raises(NotAllowed):
            care_item_record(item=listed[0], actor=user, outcome="contacted", note="x")
    assert CareItem.objects.filter(status=CareStatus.OPEN).count() == len(listed)


def test_the_owning_departments_work_queue_holds_the_open_items(
    listed: list[CareItem], handler: Any, outsider: Any, agent: Any
) -> None:
    # `outsider` is a handler of the network department, which owns network faults.
    page = work_queue(outsider)
    care = [i for i in page.items if i.kind == WorkKind.CARE]
    assert {i.care.pk for i in care if i.care} == {i.pk for i in listed}
    assert page.counts[WorkKind.CARE] == len(listed)
    assert all(i.due_kind == "care" and i.complaint is None for i in care)
    care_item_record(item=listed[0], actor=outsider, outcome="contacted", note="已致电")
    assert work_queue(outsider).counts[WorkKind.CARE] == len(listed) - 1
    # Another department's handler and an agent have none.
    assert WorkKind.CARE not in work_queue(handler).counts
    assert WorkKind.CARE not in work_queue(agent).counts


def test_the_api_work_queue_shows_care_items(
    listed: list[CareItem], outsider: Any, api_as: Any
) -> None:
    response = api_as(outsider).get("/api/v1/me/work")
    assert response.status_code == 200
    care = [i for i in response.json()["items"] if i["kind"] == "care"]
    assert len(care) == len(listed)
    assert care[0]["id"] == listed[0].pk
    assert care[0]["links"]["self"] == f"/care/faults/{listed[0].fault_id}/#care-{listed[0].pk}"
    assert "园区光缆中断" in care[0]["title"]


# ---- pages ---------------------------------------------------------------------------------------


def test_the_api_complaint_detail_carries_the_customer_risk(
    listed: list[CareItem], admin_user: Any, api_as: Any
) -> None:
    from tousu.complaints.models import Complaint

    complaint = Complaint.objects.filter(customer=listed[0].customer_id).first()
    assert complaint is not None
    body = api_as(admin_user).get(f"/api/v1/complaints/{complaint.number}").json()
    assert body["customer_risk"]["score"] == listed[0].score
    assert "提到向工信部申诉" in body["customer_risk"]["reasons"]


def test_pages_are_for_the_back_office_and_quality(
    client: Any, listed: list[CareItem], agent: Any, analyst: Any, outsider: Any
) -> None:
    fault = listed[0].fault
    for user in (agent, analyst):
        client.force_login(user)
        assert client.get("/care/").status_code == 403
        assert client.get(f"/care/faults/{fault.pk}/").status_code == 403
    client.force_login(outsider)
    page = client.get("/care/")
    assert page.status_code == 200
    assert "园区光缆中断" in page.content.decode()
    detail = client.get(f"/care/faults/{fault.pk}/").content.decode()
    assert f'id="care-{listed[0].pk}"' in detail
    assert "13900000001" not in detail  # masked
    assert "139****0001" in detail
    # The customers' complaints are other departments': no 360° page to open for them …
    customer = listed[0].customer_id
    assert f"/customers/{customer}/" not in detail
    assert client.get(f"/customers/{customer}/").status_code == 404


def test_the_customer_page_is_linked_for_who_may_open_it(
    client: Any, listed: list[CareItem], admin_user: Any
) -> None:
    client.force_login(admin_user)
    detail = client.get(f"/care/faults/{listed[0].fault_id}/").content.decode()
    customer = listed[0].customer_id
    assert f'href="/customers/{customer}/"' in detail
    page = client.get(f"/customers/{customer}/").content.decode()
    assert f'data-customer-risk="{listed[0].score:.2f}"' in page
    # Beside the complaint's risk on the complaint page, with its reasons.
    from tousu.complaints.models import Complaint

    complaint = Complaint.objects.filter(customer=customer).first()
    assert complaint is not None
    page = client.get(f"/complaints/{complaint.number}/").content.decode()
    panel = page[page.index("data-customer-risk") :]
    panel = panel[: panel.index("</p>")]
    assert f'"{listed[0].score:.2f}"' in panel
    assert "提到向工信部申诉" in panel  # the reason, in the reader's language


def test_the_reveal_shows_the_numbers_and_is_logged(
    client: Any, listed: list[CareItem], outsider: Any
) -> None:
    fault = listed[0].fault
    client.force_login(outsider)
    before = PiiAccess.objects.count()

    page = client.post(f"/care/faults/{fault.pk}/reveal/").content.decode()

    assert "13900000001" in page
    access = PiiAccess.objects.order_by("-pk").first()
    assert PiiAccess.objects.count() == before + 1
    assert access is not None
    assert (access.subject, access.fields, access.count) == (
        f"fault:{fault.pk}",
        "phone,name",
        len(listed),
    )


def test_a_role_that_may_not_see_personal_data_cannot_reveal(
    client: Any, listed: list[CareItem], quality: Any
) -> None:
    client.force_login(quality)
    fault = listed[0].fault
    assert client.get(f"/care/faults/{fault.pk}/").status_code == 200
    before = PiiAccess.objects.count()
    assert client.post(f"/care/faults/{fault.pk}/reveal/").status_code == 403
    assert PiiAccess.objects.count() == before


def test_recording_on_the_page_and_a_bad_form(
    client: Any, listed: list[CareItem], outsider: Any
) -> None:
    client.force_login(outsider)
    item = listed[0]
    bad = client.post(f"/care/items/{item.pk}/record/", {"outcome": "contacted", "note": ""})
    assert bad.status_code == 422
    item.refresh_from_db()
    assert item.status == CareStatus.OPEN

    good = client.post(
        f"/care/items/{item.pk}/record/",
        {"outcome": "contacted", "note": "已致电告知故障原因及预计恢复时间，客户表示理解"},
    )

    assert good.status_code == 302
    assert good["Location"].endswith(f"#care-{item.pk}")
    item.refresh_from_db()
    assert item.status == CareStatus.CONTACTED


def test_another_departments_item_is_not_found(
    client: Any, listed: list[CareItem], handler: Any
) -> None:
    client.force_login(handler)  # billing: the network fault's items are out of scope
    response = client.post(f"/care/items/{listed[0].pk}/record/", {"outcome": "done", "note": "x"})
    assert response.status_code == 404


# ---- two workers -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_building_one_list_list_each_customer_once(
    reference: None, register: Callable[..., Any], tousu_cli: Cli, tmp_path: Path
) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    now = clock.now()
    for n in range(6):
        register(
            customer_phone=f"1370000000{n}", region="suzhou", received_at=now - dt.timedelta(days=3)
        )
    fault = Fault.objects.create(
        kind="network",
        key="race",
        title="光缆中断",
        region_id=_region("suzhou"),
        started_at=now - dt.timedelta(hours=1),
        department_id=_department("network"),
        imported_at=now,
    )
    barrier = threading.Barrier(2)

    def build() -> int:
        try:
            barrier.wait()
            return care_list_build(fault=fault)["listed"]
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _i: build(), range(2)))

    assert CareItem.objects.filter(fault=fault).count() == 6


def _department(code: str) -> int:
    from tousu.accounts.models import Department

    return Department.objects.get(code=code).pk


def test_the_demo_calls_a_billing_error_known_for_days_through_in_office_hours(
    handler: Any, agent: Any
) -> None:
    """The demo's billing error began four days ago and was listed the next day: its list has
    been called through since (it was left with all but three customers days overdue)."""
    from tousu.early_warning.demo import BILLING_CALLS, care_demo_load

    for n in range(12):
        Customer.objects.create(
            phone=f"1390000{n:04d}",
            account=f"NJ{n:06d}",
            region_id=_region("nanjing"),
            value_tier=("五星", "四星")[n % 2],
        )
    now = clock.now()
    care_demo_load(now=now, seed=7, outage=False)

    billing = list(CareItem.objects.filter(fault__kind="billing"))
    assert len(billing) > len(BILLING_CALLS) + 1  # more than the first calls
    assert not [i for i in billing if i.status == CareStatus.OPEN and i.due_at < now]
    for item in billing:
        if item.handled_at is not None and item.status != CareStatus.COMPLAINED:
            assert 9 <= clock.local(item.handled_at).hour < 18
            assert item.handled_at <= now
