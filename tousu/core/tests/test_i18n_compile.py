"""The Chinese catalog is complete and compiled, and holds every message the code and the
templates ask for, so that nothing shows in English in the Chinese interface."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from tousu.core import i18n_compile


def test_catalogs_complete_and_compiled() -> None:
    assert i18n_compile.catalogs(), "no catalog"
    assert i18n_compile.problems() == []


def test_every_message_in_code_and_templates_is_in_the_catalog() -> None:
    found = i18n_compile.scan()
    assert len(found) > 300  # the scan sees the templates and the choices, not nothing
    assert i18n_compile.missing_from_catalogs() == []


def test_check_command_passes() -> None:
    assert i18n_compile.main(["--check"]) == 0


def test_translations_are_used_at_run_time() -> None:
    from tousu.complaints.choices import Status

    with translation.override("zh-hans"):
        assert str(Status.IN_PROGRESS.label) == "处理中"
    with translation.override("en"):
        assert str(Status.IN_PROGRESS.label) == "In progress"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def scan_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Scanned paths are reported relative to the package's parent: scan inside a fake one.
    package = tmp_path / "pkg"
    package.mkdir()
    monkeypatch.setattr(i18n_compile, "PACKAGE", package)
    return package


def test_scanner_reads_python_calls(scan_here: Path) -> None:
    path = write(
        scan_here,
        "mod.py",
        "from django.utils.translation import gettext_lazy as _\n"
        'A = _("Plain")\n'
        'B = _("Joined " "across")\n'
        'C = pgettext("month", "May")\n'
        'D = ngettext("%(n)s day", "%(n)s days", n)\n'
        "E = _(variable)\n"
        'F = _(f"no {x}")\n'
        "obj.gettext('a method, not ours')\n",
    )
    found = i18n_compile.scan([path])
    assert set(found) == {("", "Plain"), ("", "Joined across"), ("month", "May"), ("", "%(n)s day")}
    assert found[("", "%(n)s day")].plural == "%(n)s days"


def test_scanner_reads_templates(scan_here: Path) -> None:
    path = write(
        scan_here,
        "page.html",
        "{% load i18n %}\n"
        '  <h1>{% translate "Title" %}</h1>\n'
        '    <p>{% trans "Context word" context "menu" %}</p>\n'
        "{% blocktranslate trimmed with n=x %}\n  Hello {{ n }},\n  welcome.\n"
        "{% endblocktranslate %}\n"
        '{{ value|default:_("Fallback") }}\n',
    )
    found = set(i18n_compile.scan([path]))
    assert found == {
        ("", "Title"),
        ("menu", "Context word"),
        ("", "Hello %(n)s, welcome."),
        ("", "Fallback"),
    }
