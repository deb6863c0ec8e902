"""``javob ai ...`` through Django's call_command; the last line of eval is JSON."""

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import Cast
from javob.intelligence.actions import check_add_intent_example


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("ai", *args, stdout=out)
    return out.getvalue().splitlines()


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["text,label"] + [f'"{text}",{label}' for text, label in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_detect_json_prints_one_object() -> None:
    assert [
        json.loads(line) for line in run("detect", "Salom, buyurtmam qachon keladi?", "--json")
    ] == [{"language": "uz-Latn", "script": "Latn", "confidence": 1.0}]


def test_detect_plain_output() -> None:
    assert run("detect", "спасибо") == ["Language: ru  script: Cyrl  confidence: 0.80"]


def test_sentiment_json() -> None:
    (line,) = run("sentiment", "Ужасное качество, жалею о покупке", "--json")
    data = json.loads(line)
    assert data["label"] == "negative"
    assert sorted(data["probabilities"]) == ["negative", "neutral", "positive"]


def test_pii_masks_and_lists_spans() -> None:
    lines = run("pii", "Karta 4111 1111 1111 1111, tel +998 90 123 45 67")
    assert lines == [
        "Karta •••• •••• •••• 1111, tel +••• •• ••• •• ••",
        "card at 6-25",
        "phone at 31-48",
    ]


def test_pii_without_personal_data() -> None:
    assert run("pii", "Salom!") == ["No personal data found."]


def test_intent_with_the_default_set() -> None:
    (line,) = run("intent", "Buyurtmam qayerda?", "--json")
    assert json.loads(line)["intent"] == "order_status"


def test_intent_trained_from_an_examples_file(tmp_path: Path) -> None:
    examples = write_csv(
        tmp_path / "examples.csv",
        [
            ("open a ticket", "ticket"),
            ("new ticket please", "ticket"),
            ("close my account", "close"),
            ("delete account", "close"),
        ],
    )
    (line,) = run("intent", "please open a new ticket", "--examples", str(examples), "--json")
    assert json.loads(line)["intent"] == "ticket"


@pytest.mark.django_db
def test_intent_for_a_workspace_uses_its_trained_set(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    for intent, text in [("courier", "Kuryer qachon keladi?"), ("discount", "Chegirma bormi?")]:
        with on_commit():
            check_add_intent_example(cast.alice, intent, text)

    (line,) = run("intent", "chegirma bormi", "--workspace", str(cast.a.pk), "--json")

    assert json.loads(line)["intent"] == "discount"
    with pytest.raises(CommandError, match="No workspace with id 999999"):
        run("intent", "hello", "--workspace", "999999")


def test_eval_language_prints_a_table_then_json(tmp_path: Path) -> None:
    # given a tiny labelled file
    data = write_csv(
        tmp_path / "lang.csv",
        [
            ("Buyurtmam qachon keladi?", "uz-Latn"),
            ("Буюртмам қачон келади?", "uz-Cyrl"),
            ("Когда придёт мой заказ?", "ru"),
            ("When will my order arrive?", "en"),
            ("👍", "und"),
        ],
    )
    # when evaluated
    lines = run("eval", "language", "--data", str(data))
    # then a header, five class rows, a summary, and the JSON last line
    assert lines[0].split() == ["label", "precision", "recall", "F1", "support"]
    result = json.loads(lines[-1])
    assert (result["n"], result["accuracy"], result["macro_f1"]) == (5, 1.0, 1.0)
    assert sorted(result["per_class"]) == ["en", "ru", "und", "uz-Cyrl", "uz-Latn"]
    assert result["per_class"]["ru"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert result["per_second"] > 0


def test_eval_language_accepts_tags_without_script(tmp_path: Path) -> None:
    data = write_csv(
        tmp_path / "lang.csv",
        [("Buyurtmam qachon keladi?", "uz"), ("Буюртмам қачон келади?", "uz")],
    )
    assert json.loads(run("eval", "language", "--data", str(data))[-1])["accuracy"] == 1.0


def test_eval_sentiment_restricted_to_two_labels(tmp_path: Path) -> None:
    data = write_csv(
        tmp_path / "sent.csv",
        [("Juda yomon sifat, afsuslandim", "negative"), ("Zo'r, juda yoqdi, rahmat!", "positive")],
    )
    result = json.loads(
        run("eval", "sentiment", "--data", str(data), "--labels", "negative,positive")[-1]
    )
    assert (result["n"], result["accuracy"]) == (2, 1.0)
    assert sorted(result["per_class"]) == ["negative", "positive"]


def test_eval_sentiment_refuses_unknown_labels(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "sent.csv", [("good", "pos")])
    with pytest.raises(
        CommandError, match="Expected sentiment labels negative, neutral, positive; found pos"
    ):
        run("eval", "sentiment", "--data", str(data))


def test_eval_intent_trains_on_the_given_file_first(tmp_path: Path) -> None:
    train = write_csv(
        tmp_path / "train.csv",
        [
            ("where is my parcel", "track"),
            ("track my parcel", "track"),
            ("parcel status", "track"),
            ("change my password", "password"),
            ("reset password", "password"),
            ("forgot my password", "password"),
        ],
    )
    test = write_csv(
        tmp_path / "test.csv",
        [("where is the parcel", "track"), ("password reset please", "password")],
    )
    result = json.loads(run("eval", "intent", "--data", str(test), "--train", str(train))[-1])
    assert (result["n"], result["accuracy"]) == (2, 1.0)


def test_eval_reports_a_missing_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("message,label\nhi,en\n", encoding="utf-8")
    with pytest.raises(CommandError, match="expected columns text,label; missing text"):
        run("eval", "language", "--data", str(bad))


def test_intent_examples_with_one_intent_are_refused(tmp_path: Path) -> None:
    examples = write_csv(tmp_path / "one.csv", [("hello", "greeting"), ("hi", "greeting")])
    with pytest.raises(
        CommandError,
        match=r"Cannot train on .*one.csv: An intent model needs examples of at least two intents",
    ):
        run("intent", "hello", "--examples", str(examples))


def test_train_intents_writes_a_loadable_artifact(tmp_path: Path) -> None:
    # given an empty output folder; when the default intents are trained into it
    lines = run("train", "intents", "--out", str(tmp_path))
    # then the artifact is there and loads with the eleven intents plus oos
    from javob.intelligence.intent import IntentModel

    model = IntentModel.from_json((tmp_path / "intents-default-v1.model.json").read_text("utf-8"))
    assert len(model.labels) == 12
    assert lines[0] == f"Training intents; writing to {tmp_path}."
    assert lines[-1] == "Done."
