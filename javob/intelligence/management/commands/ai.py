"""``javob ai ...``: language, sentiment, intent and personal data from the command line.

    javob ai detect TEXT [--json]
    javob ai sentiment TEXT [--language TAG] [--json]
    javob ai pii TEXT [--json]
    javob ai intent TEXT [--examples FILE.csv | --workspace ID] [--json]
    javob ai train sentiment|intents [--data-dir DIR] [--out DIR]
    javob ai eval language|sentiment|intent --data FILE.csv [--train FILE.csv] [--labels a,b]

``eval`` prints a table and, as its last line, one JSON object with n, accuracy, macro_f1,
per_class and per_second, so scripts can read the result with ``tail -n 1``.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from javob.intelligence import pii
from javob.intelligence.metrics import Report, table


class Command(BaseCommand):
    help = "Language, sentiment, intent and personal data of a text; train and evaluate."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Translated here, at run time: argparse cannot format a lazy string in ``help``.
        parser.description = _(
            "Language, sentiment, intent and personal data of a text; train and evaluate "
            "the models."
        )
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        self._text_action(actions, "detect", _("Detect the language and script of TEXT."))
        sentiment = self._text_action(actions, "sentiment", _("Sentiment of TEXT."))
        sentiment.add_argument("--language", help=_("BCP 47 tag of TEXT; detected when omitted."))
        self._text_action(actions, "pii", _("Find and mask personal data in TEXT."))
        intent = self._text_action(actions, "intent", _("Intent of TEXT."))
        intent.add_argument(
            "--examples", type=Path, help=_("CSV of text,label examples to train on first.")
        )
        intent.add_argument("--workspace", help=_("Use the intent set of this workspace."))
        train = actions.add_parser("train", help=_("Train a model from ../shared/data."))
        train.add_argument("model", choices=["sentiment", "intents"])
        train.add_argument(
            "--data-dir", type=Path, help=_("The shared data folder (default: ../shared/data).")
        )
        train.add_argument(
            "--out", type=Path, help=_("Where to write the artifact (default: the package).")
        )
        evaluate = actions.add_parser("eval", help=_("Score a component on a labelled CSV."))
        evaluate.add_argument("component", choices=["language", "sentiment", "intent"])
        evaluate.add_argument(
            "--data", type=Path, required=True, help=_("CSV with columns text,label.")
        )
        evaluate.add_argument(
            "--train", type=Path, help=_("CSV of text,label to train the intent method on first.")
        )
        evaluate.add_argument(
            "--labels", help=_("Comma-separated classes the decision is restricted to.")
        )

    @staticmethod
    def _text_action(actions: Any, name: str, description: str) -> ArgumentParser:
        parser: ArgumentParser = actions.add_parser(name, help=description)
        parser.add_argument("text", help=_("The text to analyse."))
        parser.add_argument("--json", action="store_true", help=_("Print one JSON object."))
        return parser

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        handler = getattr(self, f"_{action}")
        handler(options)

    def _emit(self, options: dict[str, Any], data: dict[str, Any], line: str) -> None:
        if options.get("json"):
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write(line)

    def _detect(self, options: dict[str, Any]) -> None:
        from javob.intelligence.providers import get_language

        found = get_language().detect(options["text"])
        line = _("Language: %(language)s  script: %(script)s  confidence: %(confidence).2f") % {
            "language": found.language,
            "script": found.script or "-",
            "confidence": found.confidence,
        }
        self._emit(options, found.to_dict(), line)

    def _sentiment(self, options: dict[str, Any]) -> None:
        from javob.intelligence.providers import get_sentiment

        result = get_sentiment().sentiment(options["text"], options.get("language"))
        line = _("%(label)s  score: %(score)+.2f  confidence: %(confidence).2f") % {
            "label": result.label,
            "score": result.score,
            "confidence": result.confidence,
        }
        self._emit(options, result.to_dict(), line)

    def _pii(self, options: dict[str, Any]) -> None:
        text = options["text"]
        spans = pii.find(text)
        masked = pii.mask(text, spans)
        data = {"masked": masked, "spans": [span.to_dict() for span in spans]}
        lines = [masked] + [
            _("%(kind)s at %(start)d-%(end)d")
            % {"kind": span.kind, "start": span.start, "end": span.end}
            for span in spans
        ]
        self._emit(options, data, "\n".join(lines) if spans else _("No personal data found."))

    def _intent(self, options: dict[str, Any]) -> None:
        classifier = self._intent_model(options.get("examples"), options.get("workspace"))
        label, probability = classifier.predict(options["text"])
        if label is None:
            line = _("out of scope  (top probability %(p).2f)") % {"p": probability}
        else:
            line = _("%(label)s  probability: %(p).2f") % {"label": label, "p": probability}
        self._emit(options, {"intent": label, "score": probability}, line)

    def _intent_model(self, examples: Path | None, workspace: str | None) -> Any:
        from javob.intelligence.evaluation import DataError, read_csv
        from javob.intelligence.providers import get_intent

        provider = get_intent()
        if examples is not None:
            try:
                return provider.train(read_csv(examples))
            except (DataError, ValueError) as error:
                message = _("Cannot train on %(file)s: %(error)s")
                raise CommandError(message % {"file": examples, "error": error}) from error
        if workspace is not None:
            from javob.accounts.models import Workspace
            from javob.intelligence.queries import intent_classifier

            if not workspace.isdigit() or not Workspace.objects.filter(pk=workspace).exists():
                raise CommandError(_("No workspace with id %(id)s.") % {"id": workspace})
            return intent_classifier(int(workspace))
        return provider.default()

    def _train(self, options: dict[str, Any]) -> None:
        from javob.intelligence import train

        data_dir = options.get("data_dir") or train.default_data_dir()
        out = options.get("out") or train.ARTIFACTS
        # The training log itself (sizes, score tables) is technical output in English.
        self.stdout.write(
            _("Training %(model)s; writing to %(out)s.") % {"model": options["model"], "out": out}
        )
        if options["model"] == "sentiment":
            if not data_dir.is_dir():
                raise CommandError(
                    _("No training data in %(dir)s; pass --data-dir.") % {"dir": data_dir}
                )
            train.train_sentiment(data_dir, out, log=self.stdout.write)
        else:
            train.train_default_intents(out, log=self.stdout.write)
        self.stdout.write(_("Done."))

    def _eval(self, options: dict[str, Any]) -> None:
        from javob.intelligence import evaluation

        labels = (
            tuple(x.strip() for x in options["labels"].split(",") if x.strip())
            if options.get("labels")
            else None
        )
        try:
            rows = evaluation.read_csv(options["data"])
            report = self._run_eval(options["component"], rows, options.get("train"), labels)
        except (evaluation.DataError, ValueError) as error:
            raise CommandError(str(error)) from error
        self._print_report(report)

    def _run_eval(
        self, component: str, rows: Any, train_path: Path | None, labels: tuple[str, ...] | None
    ) -> Report:
        from javob.intelligence import evaluation
        from javob.intelligence.intent import IntentModel, default_model

        if component == "language":
            return evaluation.evaluate_language(rows)
        if component == "sentiment":
            return evaluation.evaluate_sentiment(rows, labels)
        intents = (
            IntentModel.train(evaluation.read_csv(train_path)) if train_path else default_model()
        )
        return evaluation.evaluate_intent(rows, intents, labels)

    def _print_report(self, report: Report) -> None:
        headers = (_("label"), _("precision"), _("recall"), _("F1"), _("support"))
        self.stdout.write(table(report, headers))
        values = {
            "n": report.n,
            "accuracy": report.accuracy,
            "macro_f1": report.macro_f1,
            "rate": report.per_second,
        }
        summary = _("n: %(n)d  accuracy: %(accuracy).4f  macro F1: %(macro_f1).4f") % values
        self.stdout.write(summary + "  " + _("per second: %(rate).1f") % values)
        self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False))
