"""Reading the 4-state automaton out of the adder's hidden units (7c-03, 7c-06)."""

import numpy as np
import pytest

from tui_lab.scenario import resolve_scenario
from tui_lab.sim import automaton as A
from tui_lab.sim.rnn import LogisticRNN, adder_net, hidden_step
from tui_lab.sim.session import Status, open_session
from tui_lab.sim.tasks import binary_addition as task


def _sums(n_pairs=300, bits=8, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2, (n_pairs, bits), dtype=np.uint8)
    b = rng.integers(0, 2, (n_pairs, bits), dtype=np.uint8)
    return task.encode(a, b)


def _extract(net, X):
    p, hidden = net.forward(X)
    params = net.params()
    return A.extract(hidden, X, (p > 0.5).astype(int),
                     lambda h, x: hidden_step(params, h, x))


def test_automaton_transitions_are_the_adders():
    assert A.TRANSITIONS.tolist() == [[0, 1, 1, 2], [0, 1, 1, 2],
                                      [1, 2, 2, 3], [1, 2, 2, 3]]
    X, Y = _sums(50)
    states = A.true_states(X)
    np.testing.assert_array_equal(states & 1, Y)  # the printed bit is the sum bit
    np.testing.assert_array_equal(states >> 1, (X.sum(2) + np.pad(states >> 1, ((0, 0), (1, 0)))[:, :-1]) >= 2)


def test_hand_built_net_is_the_automaton():
    net = adder_net()
    X, Y = _sums()
    assert net.score(X, Y)[1] == 1.0
    au = _extract(net, X)
    assert au.n_patterns == 4 and au.n_states == 4
    assert au.agreement == 1.0 and au.state_agreement == 1.0
    assert sorted(au.class_label) == [0, 1, 2, 3]
    by_label = {au.class_label[c]: p.split("|")[0] for c, p in enumerate(au.patterns)}
    assert by_label == {0: "000", 1: "100", 2: "110", 3: "111"}
    # it adds 64-bit numbers too
    X64, Y64 = _sums(100, 64, seed=1)
    assert net.score(X64, Y64)[1] == 1.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_net_is_not_the_automaton(seed):
    net = LogisticRNN(3, np.random.default_rng(seed))
    au = _extract(net, _sums()[0])
    assert not (au.n_states == 4 and au.agreement == 1.0)


def test_merging_equivalent_patterns():
    """Two hidden patterns that behave the same are merged into one state."""
    net = adder_net()
    X, _ = _sums()
    p, hidden = net.forward(X)
    # Split state (no carry, print 1) = "100" into two look-alike patterns
    # by nudging unit 3 above 0.5 on every other sum; the behaviour is unchanged.
    mask = np.zeros(hidden.shape[:2], bool)
    mask[::2] = True
    target = (hidden > 0.5).astype(int) @ np.array([1, 2, 4]) == 1
    hidden = hidden.copy()
    hidden[mask & target, 2] = 0.6
    params = net.params()
    au = A.extract(hidden, X, (p > 0.5).astype(int), lambda h, x: hidden_step(params, h, x))
    assert au.n_patterns == 5 and au.n_states == 4 and au.agreement == 1.0


def test_trained_adders_learn_the_automaton():
    """Default scenario, seeds 0-4: 4 states after merging, >= 95 % agreement."""
    scenario = resolve_scenario("adder")
    for seed in range(5):
        s = open_session(scenario, seed=seed)
        while not s.done:
            s.train(5000)
        assert s.status is Status.LEARNED
        au = s.extract_automaton()
        assert au.n_states == 4 and au.agreement >= 0.95, (seed, au)
        assert s.summary()["automaton_states"] == 4
