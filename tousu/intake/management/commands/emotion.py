"""`tousu emotion train|list`: the anger model of the intake assessment (intake.emotion).

Trained at setup time from a labelled file the operator has (e.g. the e-commerce reviews,
`--text-column review --label-column label --negative-label 0`); only the weights are stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.classification.management.commands.classifier import read_table
from tousu.core.errors import DomainError
from tousu.intake.models import EmotionModel
from tousu.intake.services import emotion_model_train


class Command(BaseCommand):
    help = "Anger models of the intake assessment: train (and activate), list."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train and activate a model; prints its version")
        train.add_argument("--file", required=True)
        train.add_argument("--text-column", default="text")
        train.add_argument("--label-column", default="label")
        train.add_argument("--negative-label", default="0", help="the label of complaints")
        sub.add_parser("list", help="the stored models with their held-out scores")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "do_" + opts["action"])(**opts)

    def do_train(self, **opts: Any) -> None:
        texts, labels = read_table(opts["file"], opts["text_column"], opts["label_column"])
        negative = [label == opts["negative_label"] for label in labels]
        try:
            model = emotion_model_train(
                texts=texts, negative=negative, source=f"file:{Path(opts['file']).name}"
            )
        except DomainError as e:
            raise CommandError(str(e)) from None
        m = model.metrics
        self.stderr.write(
            f"trained on {model.training_n} rows; held out {m.get('holdout_n')}: "
            f"accuracy={m.get('accuracy')} precision={m.get('precision')} "
            f"recall={m.get('recall')}"
        )
        self.stdout.write(model.version)

    def do_list(self, **opts: Any) -> None:
        for m in EmotionModel.objects.defer("blob"):
            self.stdout.write(
                f"{'*' if m.active else ' '} {m.version}  {m.created_at:%Y-%m-%d %H:%M}  "
                f"accuracy={m.metrics.get('accuracy', '-')} n={m.training_n} {m.source}"
            )
