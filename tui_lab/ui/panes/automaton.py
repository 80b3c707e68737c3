"""What the network learned (7c-06): its automaton beside the adder's (7c-03)."""

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui_lab.sim import automaton as A
from tui_lab.sim.session import Snapshot

CODES = ("N0", "N1", "C0", "C1")  # N = no carry, C = carry; digit = printed bit


def _names(au: A.Automaton) -> list[str]:
    """A short name per learned class: its label's code, with a, b, ... if repeated."""
    seen: dict[int, int] = {}
    names = []
    for label in au.class_label:
        k = seen.get(label, 0)
        seen[label] = k + 1
        names.append(CODES[label] + ("" if k == 0 else chr(ord("a") + k)))
    return names


def automaton_text(au: A.Automaton | None) -> Text:
    """The learned transition table, the automaton's, agreement, and the graph."""
    text = Text()
    if au is None:
        return Text("The automaton view reads the hidden units of a recurrent net.")
    ok = au.n_states == 4 and au.agreement == 1.0
    text.append(f"{au.n_patterns} hidden patterns (at 0.5) → {au.n_states} states\n",
                style="bold")
    text.append(f"transitions agree with 7c-03: {au.agreement:.0%}\n"
                f"steps in the labelled state: {au.state_agreement:.0%}\n")
    text.append("✓ the 4-state automaton of 7c-03\n\n" if ok
                else "… not the 4-state automaton (yet)\n\n", style="bold" if ok else "")
    text.append("N0 (no carry, print 0)  N1 (no carry, print 1)\n"
                "C0 (carry, print 0)     C1 (carry, print 1)\n\n", style="dim")
    names = _names(au)
    text.append("state share out │ next on 00 01 10 11 │ 7c-03 says\n", style="underline")
    for c in range(au.n_states):
        learned = " ".join(f"{names[au.table[c][i]]:<2}" for i in range(4))
        truth = " ".join(f"{CODES[A.TRANSITIONS[au.class_label[c], i]]:<2}" for i in range(4))
        good = all(au.learned_next_label(c, i) == A.TRANSITIONS[au.class_label[c], i]
                   for i in range(4))
        text.append(f"{names[c]:<5} {au.class_share[c]:>5.0%} {au.class_output[c]:>2}  │"
                    f"{'':9}{learned} │ {truth} {'✓' if good else '✗'}\n")
    text.append("\nthe learned automaton as a graph (inputs a b on the arrows):\n",
                style="underline")
    text.append(graph_text(au, names))
    return text


def graph_text(au: A.Automaton, names: list[str]) -> str:
    """One line per state: its arrows, input pairs that lead to the same state merged."""
    lines = []
    for c in range(au.n_states):
        targets: dict[int, list[str]] = {}
        for i in range(4):
            targets.setdefault(au.table[c][i], []).append(A.INPUT_LABELS[i])
        arrows = "  ".join(f"─{','.join(inp)}→ {names[d]}" for d, inp in targets.items())
        lines.append(f" ({names[c]}) {arrows}")
    return "\n".join(lines) + "\n"


class AutomatonPane(VerticalScroll):
    """Live view of the extracted automaton; updates with every snapshot."""

    DEFAULT_CSS = """
    AutomatonPane { height: 1fr; padding: 0 1; }
    """

    def compose(self):
        yield Static(automaton_text(None), id="automaton-text")

    def show(self, snapshot: Snapshot) -> None:
        self.query_one("#automaton-text", Static).update(
            automaton_text(snapshot.extra.get("automaton")))
