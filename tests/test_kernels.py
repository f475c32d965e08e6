"""The compiled kernels take one kind of array; ``kernels.array`` turns any input into it, and an
engine without the classifier never loads numba (it costs a process some 160 MB)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from reviewer.engine import kernels


def test_a_read_only_or_strided_array_is_copied_into_the_kind_the_kernels_take() -> None:
    frozen = np.frombuffer(np.arange(6, dtype=np.int64).tobytes(), dtype=np.int64)
    assert not frozen.flags.writeable
    for given in (frozen, np.arange(12, dtype=np.int64)[::2], np.arange(6, dtype=np.int32)):
        made = kernels.array(given, np.int64)
        assert made.dtype == np.int64 and made.flags.c_contiguous and made.flags.writeable
        assert made.tolist() == given.tolist()


def test_an_array_already_of_that_kind_is_used_as_it_is() -> None:
    given = np.arange(5, dtype=np.int64)
    assert kernels.array(given, np.int64) is given


def test_run_lengths_counts_each_value_of_a_sorted_array() -> None:
    values, counts = kernels.run_lengths(np.array([2, 2, 5, 7, 7, 7], dtype=np.int64))
    assert values.tolist() == [2, 5, 7] and counts.tolist() == [2, 1, 3]
    values, counts = kernels.run_lengths(np.zeros(0, dtype=np.int64))
    assert values.size == counts.size == 0


def test_weights_are_normalised_per_block_and_dotted_with_each_class() -> None:
    rows = np.array([[1.0, 1.0, 0.0], [2.0, 0.0, 1.0], [1.0, 1.0, 1.0], [3.0, -1.0, 2.0]])
    weights, sums = kernels.weigh(np.array([0, 1, 3], dtype=np.int64), np.array([1, 1, 2], dtype=np.int64), rows, 2, 1)
    grams = np.array([1.0, 2.0]) / np.sqrt(5.0)  # columns 0 and 1: the gram block; column 3: the marks
    assert weights.tolist() == [*grams.tolist(), 1.0]
    assert np.allclose(sums, grams @ rows[:2, 1:] + rows[3, 1:])


def test_an_engine_without_the_classifier_does_not_load_numba() -> None:
    code = ("import sys\nfrom reviewer.config import load_settings\nfrom reviewer.engine.core import Engine\n"
            "Engine.from_settings(load_settings(), classifier=False).review('请加微信咨询。')\n"
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
