"""`tousu classifier train|evaluate|activate|list`: the text model's life cycle (D7)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from sklearn.model_selection import train_test_split
from tqdm import tqdm

from tousu.classification.model import TfidfClassifier, evaluate
from tousu.classification.models import CategoryCorrection, TextModel
from tousu.classification.selectors import text_model_get
from tousu.classification.services import new_version, text_model_activate, text_model_store
from tousu.complaints.choices import CategorySource, Status
from tousu.complaints.models import Complaint
from tousu.core.errors import DomainError


def read_table(path: str, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    """Texts and labels from a CSV, TSV (by extension) or Excel file; rows missing either are
    skipped."""
    file = Path(path)
    if not file.exists():
        raise CommandError(f"no such file: {path}")
    rows: list[dict[str, Any]]
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        sheet = load_workbook(file, read_only=True).active
        assert sheet is not None
        values = sheet.iter_rows(values_only=True)
        header = [str(v) for v in next(values)]
        rows = [dict(zip(header, row, strict=False)) for row in values]
    else:
        delimiter = "\t" if file.suffix.lower() in (".tsv", ".tab") else ","
        with file.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f, delimiter=delimiter))
    if rows and (text_column not in rows[0] or label_column not in rows[0]):
        raise CommandError(f"columns {text_column!r} and {label_column!r} must be in {path}")
    texts, labels = [], []
    for row in rows:
        text, label = row.get(text_column), row.get(label_column)
        if text and label is not None and str(label).strip():
            texts.append(str(text))
            labels.append(str(label).strip())
    return texts, labels


def from_db() -> tuple[list[str], list[str]]:
    """Closed complaints with a confirmed category: given or set by staff, or set by the model
    and never corrected; a corrected complaint counts with its corrected category."""
    corrected = set(CategoryCorrection.objects.values_list("complaint_id", flat=True))
    qs = (
        Complaint.objects.filter(status=Status.CLOSED, category__isnull=False)
        .select_related("category")
        .only("pk", "content", "demand", "category__code", "category_source")
    )
    texts, labels = [], []
    for c in qs.iterator(chunk_size=2000):
        confirmed = c.category_source in (CategorySource.GIVEN, CategorySource.MANUAL)
        uncorrected_model = c.category_source == CategorySource.MODEL and c.pk not in corrected
        if (confirmed or uncorrected_model or c.pk in corrected) and c.category is not None:
            texts.append(c.content + "\n" + c.demand)
            labels.append(c.category.code)
    return texts, labels


class Command(BaseCommand):
    help = "Text classifier models: train, evaluate, activate, list."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train a new model; prints its version last")
        train.add_argument("--from-db", action="store_true")
        train.add_argument("--file")
        train.add_argument("--text-column", default="text")
        train.add_argument("--label-column", default="label")
        train.add_argument("--min-per-class", type=int, default=5)
        ev = sub.add_parser("evaluate", help="score a model on a labelled file")
        ev.add_argument("--version")
        ev.add_argument("--file", required=True)
        ev.add_argument("--text-column", default="text")
        ev.add_argument("--label-column", default="label")
        act = sub.add_parser("activate", help="make a model the active one")
        act.add_argument("version")
        sub.add_parser("list", help="the stored models with their scores")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "do_" + opts["action"])(**opts)

    def do_train(self, **opts: Any) -> None:
        if opts["file"]:
            texts, labels = read_table(opts["file"], opts["text_column"], opts["label_column"])
            source = f"file:{Path(opts['file']).name}"
        elif opts["from_db"] or not opts["file"]:
            texts, labels = from_db()
            source = "db"
        counts = {label: labels.count(label) for label in set(labels)}
        minimum = max(2, opts["min_per_class"])  # calibration needs two of each class
        keep = {label for label, n in counts.items() if n >= minimum}
        pairs = [(t, lab) for t, lab in zip(texts, labels, strict=True) if lab in keep]
        if len(keep) < 2:
            raise CommandError(
                f"need at least two classes with {minimum} examples each; "
                f"found {len(keep)} ({len(pairs)} rows)"
            )
        texts, labels = [p[0] for p in pairs], [p[1] for p in pairs]
        with tqdm(total=3, desc="train", file=self.stderr._out, unit="step") as bar:
            held_out = len(texts) >= 10 * len(keep)
            if held_out:
                x_train, x_test, y_train, y_test = train_test_split(
                    texts, labels, test_size=0.2, stratify=labels, random_state=0
                )
                bar.set_postfix_str("held-out 20%")
                scorer = TfidfClassifier().fit(x_train, y_train)
                metrics = evaluate(y_test, scorer.predict_many(x_test)).as_json()
                metrics["method"] = "held-out 20%"
            else:
                metrics = {"method": "none (too few rows)", "n": 0}
            bar.update(1)
            classifier = TfidfClassifier(version=new_version()).fit(texts, labels)
            bar.update(1)
            model = text_model_store(
                classifier=classifier, metrics=metrics, training_n=len(texts), source=source
            )
            bar.update(1)
        self.stderr.write(
            f"trained on {len(texts)} rows, {len(keep)} classes; "
            f"macro_f1={metrics.get('macro_f1', '-')} accuracy={metrics.get('accuracy', '-')}"
        )
        self.stdout.write(model.version)

    def do_evaluate(self, **opts: Any) -> None:
        model = text_model_get(opts["version"])
        if model is None:
            raise CommandError(f"no model {opts['version'] or '(none trained)'}")
        texts, labels = read_table(opts["file"], opts["text_column"], opts["label_column"])
        if not texts:
            raise CommandError("no labelled rows in the file")
        classifier = TfidfClassifier.loads(bytes(model.blob), model.version)
        metrics = evaluate(labels, classifier.predict_many(texts))
        self.stdout.write(f"model {model.version}")
        self.stdout.write(metrics.report())
        self.stdout.write(metrics.last_line())

    def do_activate(self, **opts: Any) -> None:
        model = TextModel.objects.defer("blob").filter(version=opts["version"]).first()
        if model is None:
            raise CommandError(f"no model {opts['version']}")
        try:
            text_model_activate(model)
        except DomainError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"active: {model.version}")

    def do_list(self, **opts: Any) -> None:
        for m in TextModel.objects.defer("blob").order_by("-created_at", "-pk"):
            self.stdout.write(
                f"{'*' if m.active else ' '} {m.version}  {m.created_at:%Y-%m-%d %H:%M}  "
                f"macro_f1={m.metrics.get('macro_f1', '-')} "
                f"accuracy={m.metrics.get('accuracy', '-')} n={m.training_n} "
                f"tree={'yes' if m.taxonomy else 'no'}"
            )
