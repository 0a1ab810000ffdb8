"""An agent's calls, one per round, planned from its subject and from what the earlier calls printed.

The rule, at most MAX_CALLS calls:
1. the frame: load the CSV the prompt names (`pd.read_csv`), else inspect the frame the prompt or the
   notebook context names (shape, `dtypes.to_dict()`, head), else survey the namespace's DataFrames
   (which inspects the first one);
2. clean: when the prompt says clean, parse or dates and a text column is named like a date, `pd.to_datetime`;
3. compute: the sum (the mean when the prompt says average or mean) of the numeric column the prompt
   mentions (else the first numeric one), grouped by month when it says monthly and by the text
   columns it mentions; without a group, `describe()`; it prints the total (or mean) as a number;
4. plot: when the prompt says plot, chart or graph, that result drawn with matplotlib.
After a failed call, one call prints the frame's columns, then the agent stops; a call that did not
run (denied) stops it at once. Same subject and same results: same calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .agent_subject import (
    Subject,
    columns_in,
    date_column,
    is_numeric,
    is_textual,
    mentioned,
    name_for,
    surveyed,
)

MAX_CALLS = 4
MAX_KEYS = 2
LOAD, INSPECT, SURVEY, CLEAN = "load", "inspect", "survey", "clean"
COMPUTE, PLOT, COLUMNS = "compute", "plot", "columns"
NOT_RUN = "did not run"  # what the client's result says of a call nobody approved
_SHOW = "print({f}.shape)\nprint({f}.dtypes.astype(str).to_dict())\nprint({f}.head())"
_SURVEY = (
    "import pandas as pd\n"
    'print("\\n".join(f"{n} {v.shape} {v.dtypes.astype(str).to_dict()}" for n, v in list(globals().items())\n'
    '                 if isinstance(v, pd.DataFrame) and not n.startswith("_")) or "no DataFrames")'
)


@dataclass(frozen=True)
class Step:
    """One call: what kind, its code, the sentence said before it, and what it did, for the answer."""

    kind: str
    code: str
    says: str
    did: str
    frame: str = ""  # the frame a load or an inspection reads


@dataclass(frozen=True)
class Done:
    """A call that came back: its step, its result's text, and whether it was an error."""

    step: Step
    text: str
    error: bool

    @property
    def not_run(self) -> bool:
        return self.error and NOT_RUN in self.text and "[error]" not in self.text


@dataclass
class Facts:
    """What the agent knows so far: its subject, the frame and its columns, and the calls done."""

    subject: Subject
    frame: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    done: list[Done] = field(default_factory=list)

    def kinds(self) -> set[str]:
        return {d.step.kind for d in self.done}

    def absorb(self, step: Step, text: str, error: bool) -> None:
        """Learn from a call's result: the frame and its columns, a column now holding dates."""
        self.done.append(Done(step, text, error))
        if error:
            return
        if step.kind in (LOAD, INSPECT):
            self.frame, self.columns = step.frame, columns_in(text)
        elif step.kind == SURVEY:
            self.frame, self.columns = surveyed(text)
        elif step.kind == CLEAN:
            column = date_column(self.columns)
            if column is not None:
                self.columns[column] = "datetime64[ns]"


def next_step(facts: Facts) -> Step | None:
    """The next call, or None when the agent should answer."""
    if len(facts.done) >= MAX_CALLS or any(d.not_run for d in facts.done):
        return None
    failed = [d for d in facts.done if d.error]
    if failed:
        again = failed[-1] is facts.done[-1] and facts.frame and COLUMNS not in facts.kinds()
        return _columns(facts) if again else None
    if facts.frame is None:
        return None if facts.done else _first(facts.subject)
    return _work(facts)


def _first(subject: Subject) -> Step:
    if subject.path is not None:
        name = name_for(subject.path)
        code = f"import pandas as pd\n{name} = pd.read_csv({subject.path!r})\n" + _SHOW.format(f=name)
        did = f"loaded `{subject.path}` into `{name}`"
        return Step(LOAD, code, f"I'll load `{subject.path}` and look at it.", did, name)
    if subject.frame is not None:
        frame = subject.frame
        return Step(INSPECT, _SHOW.format(f=frame), f"I'll look at `{frame}` first.", f"inspected `{frame}`", frame)
    return Step(SURVEY, _SURVEY, "I'll look for DataFrames in the notebook.", "looked for DataFrames in the notebook")


def _work(facts: Facts) -> Step | None:
    kinds, subject = facts.kinds(), facts.subject
    date = date_column(facts.columns)
    if subject.clean and CLEAN not in kinds and date is not None and is_textual(facts.columns[date]):
        return _clean(facts.frame or "", date)
    if COMPUTE not in kinds:
        return _compute(facts)
    if subject.plot and PLOT not in kinds and _value(facts) is not None:
        return _plot(facts)
    return None


def _clean(frame: str, column: str) -> Step:
    cell = f"{frame}[{column!r}]"
    code = (
        f"import pandas as pd\n{cell} = pd.to_datetime({cell}, errors='coerce')\n"
        f"print({cell}.isna().sum(), 'values could not be read as dates')\nprint({cell}.min(), 'to', {cell}.max())"
    )
    return Step(CLEAN, code, f"I'll parse `{column}` as dates.", f"parsed `{column}` as dates")


def _compute(facts: Facts) -> Step:
    frame, value, keys, labels = facts.frame or "", _value(facts), _keys(facts), _key_labels(facts)
    name, how = f"{frame}_summary", "mean" if facts.subject.mean else "sum"
    if value is None:
        code = f"{name} = {frame}.describe(include='all')\nprint({name})"
        return Step(COMPUTE, code, f"I'll describe `{frame}`.", f"described `{frame}` in `{name}`")
    if not keys:
        code = f"{name} = {frame}[{value!r}].describe()\nprint({name})\nprint('{how}:', {frame}[{value!r}].{how}())"
        return Step(COMPUTE, code, f"I'll describe `{value}`.", f"described `{value}` in `{name}`")
    grouped = keys[0] if len(keys) == 1 else f"[{', '.join(keys)}]"
    unstack = ".unstack()" if len(keys) > 1 else ""
    code = f"{name} = {frame}.groupby({grouped})[{value!r}].{how}(){unstack}\nprint({name})\n"
    code += f"print('{how}:', {frame}[{value!r}].{how}())"
    by = " and ".join(labels)
    verb = "averaged" if how == "mean" else "summed"
    return Step(COMPUTE, code, f"I'll {how} `{value}` by {by}.", f"{verb} `{value}` by {by} into `{name}`")


def _plot(facts: Facts) -> Step:
    frame, value, labels = facts.frame or "", _value(facts) or "", _key_labels(facts)
    how = "mean" if facts.subject.mean else "sum"
    if labels:
        kind, drawn = ("line" if _monthly(facts) else "bar"), f"{frame}_summary"
        title = f"{how} of {value} by {' and '.join(labels)}".replace("`", "")
    else:
        kind, drawn, title = "hist", f"{frame}[{value!r}]", f"{value}"
    code = (
        "import matplotlib.pyplot as plt\n"
        f"ax = {drawn}.plot(kind={kind!r}, title={title!r}, figsize=(7, 4))\n"
        f"ax.set_ylabel({value!r})\nplt.tight_layout()"
    )
    return Step(PLOT, code, "I'll plot it.", f"plotted {title!r} as a {kind} chart")


def _columns(facts: Facts) -> Step:
    frame = facts.frame or ""
    code = f"print(list({frame}.columns))\nprint({frame}.dtypes.astype(str).to_dict())"
    says = f"That failed; I'll check the columns of `{frame}`."
    return Step(COLUMNS, code, says, f"printed the columns of `{frame}`")


def _value(facts: Facts) -> str | None:
    numeric = [c for c, t in facts.columns.items() if is_numeric(t)]
    named = [c for c in numeric if mentioned(c, facts.subject.prompt)]
    return (named or numeric or [None])[0]


def _monthly(facts: Facts) -> str | None:
    date = date_column(facts.columns)
    dated = date is not None and facts.columns[date].startswith("datetime64")
    return date if facts.subject.monthly and dated else None


def _texts(facts: Facts) -> list[str]:
    date, prompt = _monthly(facts), facts.subject.prompt
    chosen = [c for c, t in facts.columns.items() if is_textual(t) and c != date and mentioned(c, prompt)]
    return chosen[: MAX_KEYS - (date is not None)]


def _keys(facts: Facts) -> list[str]:
    date = _monthly(facts)
    month = [f"{facts.frame}[{date!r}].dt.to_period('M')"] if date is not None else []
    return month + [repr(c) for c in _texts(facts)]


def _key_labels(facts: Facts) -> list[str]:
    return (["month"] if _monthly(facts) else []) + [f"`{c}`" for c in _texts(facts)]
