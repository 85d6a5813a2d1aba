"""`tousu classifier train|evaluate|activate|list`: the text model's life cycle (D7)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tousu.classification.model import ModelFormatError, TfidfClassifier, evaluate
from tousu.classification.models import TextModel
from tousu.classification.selectors import keyword_examples, text_model_get, training_data
from tousu.classification.services import MIN_PER_CLASS, text_model_activate, text_model_train
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


def validation_gap(stored: dict[str, Any], macro_f1: float, name: str) -> str:
    """The score the model was validated with at training (on text prepared like its training
    file: word-segmented, perhaps) beside its score on this file (raw text, as complaints
    arrive), and the gap between them: a model that learnt its training file's preparation
    shows it here (issue 18)."""
    validation = stored.get("macro_f1")
    method = stored.get("method", "none")
    if validation is None:
        return f"validation ({method}): -  {name}: macro_f1={macro_f1:.4f}  gap: -"
    gap = float(validation) - macro_f1
    return (
        f"validation ({method}): macro_f1={float(validation):.4f}  "
        f"{name}: macro_f1={macro_f1:.4f}  gap: {gap:+.4f}"
    )


class Command(BaseCommand):
    help = "Text classifier models: train, evaluate, activate, list."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train a new model; prints its version last")
        train.add_argument("--from-db", action="store_true")
        train.add_argument("--file")
        train.add_argument("--text-column", default="text")
        train.add_argument("--label-column", default="label")
        train.add_argument(
            "--no-keywords",
            action="store_true",
            help="--from-db without the categories' keywords as extra examples",
        )
        train.add_argument("--min-per-class", type=int, default=MIN_PER_CLASS)
        ev = sub.add_parser(
            "evaluate",
            help="score a model on a labelled file (raw text, as complaints arrive) and print "
            "the gap to the validation score it was trained with",
        )
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
            source, seeds = f"file:{Path(opts['file']).name}", []
        else:  # --from-db, the default
            texts, labels = training_data()
            source = "db"
            seeds = [] if opts["no_keywords"] else keyword_examples()
        with tqdm(total=3, desc="train", file=self.stderr._out, unit="step") as bar:

            def step(postfix: str) -> None:
                bar.set_postfix_str(postfix)
                bar.update(1)

            try:
                model = text_model_train(
                    texts=texts,
                    labels=labels,
                    source=source,
                    seeds=seeds,
                    min_per_class=opts["min_per_class"],
                    step=step,
                )
            except DomainError as e:
                raise CommandError(str(e)) from None
        metrics = model.metrics
        self.stderr.write(
            f"trained on {model.training_n} rows, {len(model.labels)} classes; "
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
        try:
            classifier = TfidfClassifier.loads(bytes(model.blob), model.version)
        except ModelFormatError as e:
            raise CommandError(str(e)) from None
        metrics = evaluate(labels, classifier.predict_many(texts))
        self.stdout.write(f"model {model.version}")
        self.stdout.write(metrics.report())
        self.stdout.write("")
        self.stdout.write(validation_gap(model.metrics, metrics.macro_f1, Path(opts["file"]).name))
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
