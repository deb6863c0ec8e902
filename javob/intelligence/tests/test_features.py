"""Hashed features: normalisation and determinism across processes and machines."""

import numpy as np

from javob.intelligence.features import Featurizer, prepare, with_language


def test_prepare_folds_spellings_that_mean_the_same() -> None:
    assert prepare("Yo'q!!!!! https://uzum.uz/x @ali 12 ta") == "yoq!! http @user 00 ta"
    assert prepare("ҚЎНҒИРОҚ") == prepare("кунгирок") == "кунгирок"
    assert prepare("Zoʻr") == prepare("zor") == prepare("Zo`r")


def test_hashing_is_fixed_so_shipped_weights_stay_valid() -> None:
    # These bucket ids are part of the artifact format: if they change, retrain.
    indices, counts = Featurizer(char_min=2, char_max=3, word_min=1, word_max=1, bits=18).counts(
        "ok"
    )
    assert indices.tolist() == [26730, 42588, 54932, 152706, 170502, 214767]
    assert counts.tolist() == [1.0] * 6


def test_vector_is_unit_length_and_empty_text_is_empty() -> None:
    featurizer = Featurizer()
    _, values = featurizer.vector("Salom, buyurtmam qachon keladi?")
    assert round(float(np.dot(values, values)), 5) == 1.0
    empty_indices, empty_values = featurizer.vector("")
    assert len(empty_indices) == len(prepare(" ")) + 1 == 1  # the padded single space
    assert round(float(np.dot(empty_values, empty_values)), 5) == 1.0


def test_language_copy_lives_in_a_second_block_and_keeps_unit_length() -> None:
    featurizer = Featurizer(bits=10)
    row = featurizer.vector("yoq rahmat")
    indices, values = with_language(row, "uz", featurizer.size)
    assert len(indices) > len(row[0])
    assert bool((indices[len(row[0]) :] >= featurizer.size).all())
    assert round(float(np.dot(values, values)), 5) == 1.0
    other, _ = with_language(row, "ru", featurizer.size)
    assert other[len(row[0]) :].tolist() != indices[len(row[0]) :].tolist()
