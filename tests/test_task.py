"""The binary-addition task: targets are the true sums, with the lecture's delay."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tui_lab.sim.tasks import binary_addition as task


@given(st.lists(st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)),
                min_size=1, max_size=20))
def test_targets_are_the_true_sums(pairs):
    a = np.array([p[0] for p in pairs], dtype=np.uint64)
    b = np.array([p[1] for p in pairs], dtype=np.uint64)
    X, Y = task.encode(task.int_to_bits(a, 64), task.int_to_bits(b, 64))
    assert X.shape == (len(pairs), 65, 2) and Y.shape == (len(pairs), 65)
    for i, (x, y) in enumerate(pairs):
        assert task.bits_to_int(Y[i].astype(int)) == x + y
        assert task.bits_to_int(X[i, :, 0].astype(int)) == x
        assert not X[i, -1].any()  # the trailing column carries no input


def test_timeline_has_the_two_step_delay():
    a = task.int_to_bits(np.array([11]), 4)[0]  # 1011
    b = task.int_to_bits(np.array([6]), 4)[0]  # 0110
    inputs, targets = task.timeline(a, b)
    assert task.DELAY == 2
    assert len(inputs) == 4 + 1 + 2
    assert targets[:2].tolist() == [-1, -1]
    total = 11 + 6
    for t in range(2, len(targets)):
        assert targets[t] == (total >> (t - 2)) & 1  # sum bit of column t - 2
    assert inputs[0].tolist() == [1, 0] and inputs[1].tolist() == [1, 1]
    assert not inputs[5:].any()


def test_train_and_heldout_are_disjoint():
    d = task.make_data(6, 300, (10,), 20, np.random.default_rng(0))
    def codes(X):
        bits = X[:, :6].astype(np.uint64)  # (N, 6, 2)
        w = np.uint64(1) << np.arange(6, dtype=np.uint64)
        return set(((bits[:, :, 0] * w).sum(1) * 64 + (bits[:, :, 1] * w).sum(1)).tolist())
    train, held = codes(d.X_train), codes(d.X_heldout)
    assert len(held) == 300 and len(train) == 4096 - 300
    assert not train & held
    assert d.tests[10][0].shape == (20, 11, 2)


def test_too_many_heldout_pairs_is_an_error():
    with pytest.raises(ValueError, match="leave none to train on"):
        task.split_pairs(2, 16, np.random.default_rng(0))
