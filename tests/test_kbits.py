"""The 7a-07 sweep: k bits across a gap, HMM states against LSTM cells."""


import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tui_lab.scenario import resolve_scenario
from tui_lab.sim.hmm import CategoricalHMM
from tui_lab.sim.kbits import MemorySweepSession, state_counts
from tui_lab.sim.session import Status
from tui_lab.sim.tasks import kbits as task


def test_data_layout():
    d = task.make_data(3, 4, 200, np.random.default_rng(0))
    ends = np.cumsum(d.lengths)
    assert d.symbols[ends - d.lengths].tolist() == d.words.tolist()
    assert d.symbols[ends - 1].tolist() == d.words.tolist()
    assert (d.lengths >= 3).all() and (d.lengths <= 4 * 4 + 2).all()
    fillers = np.ones(len(d.symbols), bool)
    fillers[ends - d.lengths] = fillers[ends - 1] = False
    assert (d.symbols[fillers] == 8).all() and (d.symbols[~fillers] < 8).all()
    T = d.X.shape[1]
    for i in range(len(d.words)):
        w = T - d.lengths[i]  # the write step
        assert d.X[i, :w].sum() == 0 and d.X[i, w, 3] == 1 and d.X[i, -1, 4] == 1
        assert d.X[i, w, :3].tolist() == task.word_bits(d.words[i:i + 1], 3)[0].tolist()
        assert d.X[i, w + 1:-1].sum() == 0
    assert (d.M[:, -1] == 1).all() and d.M[:, :-1].sum() == 0
    assert (d.bits == task.word_bits(d.words, 3)).all()
    assert abs((d.lengths - 2).mean() - 4) < 0.6  # the waits average about `gap`


def _brute_recall(m: CategoricalHMM, d: task.KBitData, k: int) -> np.ndarray:
    """P(word at recall | prefix) from the forward algorithm on prefix + each word."""
    ends = np.cumsum(d.lengths)
    out = np.empty((len(d.words), 2 ** k))
    for i, (end, n) in enumerate(zip(ends, d.lengths)):
        prefix = d.symbols[end - n:end - 1]
        lik = [np.exp(m.score(np.append(prefix, w))) for w in range(2 ** k)]
        out[i] = np.array(lik) / np.sum(lik)
    return out


def _random_hmm(N: int, k: int, rng) -> CategoricalHMM:
    m = CategoricalHMM(N, 2 ** k + 1)
    m.startprob_ = rng.dirichlet(np.ones(N))
    m.transmat_ = rng.dirichlet(np.ones(N), N)
    m.emissionprob_ = rng.dirichlet(np.ones(2 ** k + 1), N)
    return m


def test_recall_distribution_equals_the_forward_algorithm():
    rng = np.random.default_rng(3)
    for N, k in [(1, 1), (3, 2), (5, 3)]:
        m = _random_hmm(N, k, rng)
        d = task.make_data(k, 3, 30, rng)
        q = task.recall_distribution(m.startprob_, m.transmat_, m.emissionprob_,
                                     d.symbols, d.lengths, k)
        np.testing.assert_allclose(q, _brute_recall(m, d, k), rtol=1e-9)


def memory_hmm(k: int, gap: int) -> CategoricalHMM:
    """2 x 2^k states that carry the word: 'say w' then 'wait, holding w'."""
    W = 2 ** k
    m = CategoricalHMM(2 * W, W + 1)
    m.startprob_ = np.r_[np.full(W, 1 / W), np.zeros(W)]
    m.transmat_ = np.zeros((2 * W, 2 * W))
    stay = 1 - 1 / gap
    for w in range(W):
        m.transmat_[w, W + w] = 1.0
        m.transmat_[W + w, W + w], m.transmat_[W + w, w] = stay, 1 - stay
    m.emissionprob_ = np.zeros((2 * W, W + 1))
    m.emissionprob_[np.arange(W), np.arange(W)] = 1.0
    m.emissionprob_[W:, W] = 1.0
    return m


def test_a_hand_built_memory_hmm_carries_all_k_bits():
    for k in (1, 2, 3, 4):
        d = task.make_data(k, 5, 300, np.random.default_rng(k))
        m = memory_hmm(k, 5)
        q = task.recall_distribution(m.startprob_, m.transmat_, m.emissionprob_,
                                     d.symbols, d.lengths, k)
        assert (q.argmax(1) == d.words).all()
        assert task.bits_carried(q, d.words) == pytest.approx(k, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(N=st.integers(1, 12), k=st.integers(1, 4), seed=st.integers(0, 2 ** 32 - 1),
       peaked=st.booleans())
def test_no_hmm_carries_more_than_log2_n_bits(N, k, seed, peaked):
    """7a-07 as an inequality: over every word once, bits carried <= log2 N."""
    rng = np.random.default_rng(seed)
    m = _random_hmm(N, k, rng)
    if peaked:  # near-deterministic models come closest to the bound
        m.emissionprob_ = m.emissionprob_ ** 8
        m.emissionprob_ /= m.emissionprob_.sum(1, keepdims=True)
        m.transmat_ = 0.9 * np.eye(N) + 0.1 * m.transmat_
    words = np.arange(2 ** k)
    wait = int(rng.integers(1, 6))
    symbols = np.concatenate([[w] + [2 ** k] * wait + [w] for w in words])
    lengths = np.full(len(words), wait + 2)
    q = task.recall_distribution(m.startprob_, m.transmat_, m.emissionprob_, symbols,
                                 lengths, k)
    assert task.bits_carried(q, words) <= np.log2(N) + 1e-9


def test_state_counts():
    assert state_counts(32) == (1, 2, 4, 8, 16, 32)
    assert state_counts(12) == (1, 2, 4, 8, 12)
    assert state_counts(1) == (1,)


@pytest.fixture(scope="module")
def small_sweep():
    sc = resolve_scenario("hmm-kbits")
    sc = sc.with_model(states=8, cells=3).with_task(max_bits=2)
    s = MemorySweepSession(sc, seed=1)
    s.warmup()
    while not s.done:
        s.train(500)
    return s


def test_the_sweep_stops_at_the_update_budget():
    """`tui-lab run hmm-kbits --updates 40` means 40 updates, not the whole sweep."""
    sc = resolve_scenario("hmm-kbits").with_model(states=4, cells=2).with_task(max_bits=1)
    s = MemorySweepSession(sc.with_training(updates=40), seed=1)
    while not s.done:
        s.train(25)
    assert s.status is Status.BUDGET and s.updates == 40 and "budget (40)" in s.message


def test_the_sweep_shows_the_2_to_the_k_wall(small_sweep):
    s = small_sweep
    assert s.status is Status.DONE and s.ks == (1, 2) and s.Ns == (1, 2, 4, 8)
    hr, hb, lr = s.hmm_recall, s.hmm_bits, s.lstm_recall
    assert not np.isnan(hr).any() and not np.isnan(lr).any()
    # one state carries nothing: recall at chance (1 in 2^k)
    assert hr[0, 0] == pytest.approx(0.5, abs=0.06) and hr[1, 0] == pytest.approx(0.25, abs=0.06)
    # never more bits than log2 N (the held-out words are near uniform: small slack)
    assert (hb <= np.log2(np.array(s.Ns)) + 0.02).all()
    needed = s.needed()
    for k in (1, 2):  # the HMM needs at least 2^k states; the LSTM about k cells
        assert int(needed[k]["hmm_states"]) >= 2 ** k
        assert int(needed[k]["lstm_cells"]) <= k + 1
    assert needed[1]["hmm_states"] == "4" and needed[2]["hmm_states"] == "8"
    assert lr[1, 0] < 0.8 and lr[1, 1] >= 0.95  # one cell cannot hold two bits, two can


def test_summary_and_capacity_view(small_sweep):
    from tui_lab.ui.panes.capacity import capacity_text

    summary = small_sweep.summary()
    assert summary["needed"]["2"] == {"hmm_states": "8", "lstm_cells": "2"}
    assert len(summary["hmm_recall"]) == 2 and len(summary["hmm_recall"][0]) == 4
    text = capacity_text(small_sweep.snapshot()).plain
    lines = text.splitlines()
    assert lines[2].split() == ["1", "2", "4", "1"] and lines[3].split() == ["2", "4", "8", "2"]
    assert "HMM bits carried (never above log2 N)" in text
    assert max(len(line) for line in lines) <= 52  # fits beside the picker at 80 columns


async def test_capacity_view_at_80x24(small_sweep):
    from tui_lab.ui.app import LabApp
    from tui_lab.ui.panes.capacity import CapacityPane
    from tui_lab.ui.trainer import Phase, Report

    app = LabApp(resolve_scenario("hmm-kbits"), autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_report(Report(Phase.PAUSED, small_sweep.snapshot()))
        assert app.views == ("chart", "capacity")
        await pilot.press("0")
        await pilot.pause()
        shown = str(app.query_one(CapacityPane).query_one("#capacity").content)
        assert "HMM states" in shown and "LSTM cells" in shown
        await pilot.press("7")  # not this scenario's view: nothing happens
        assert app.query_one("#views").active == "capacity"
