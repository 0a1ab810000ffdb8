"""The simulator's visible sentiment rule, for a structured reply whose enum offers positive/negative/neutral.

Count the question's negative and positive cue words (below, matched as whole words, any case):
more negative cues -> "negative", more positive -> "positive", a tie -> "neutral" (or the other
label when the enum has no "neutral"). Confidence is 0.5 for neutral, else 0.6 plus 0.1 per
cue of the winning side, at most 0.95.
"""

from __future__ import annotations

import re

# fmt: off
NEGATIVE = frozenset({
    "awful", "bad", "broke", "broken", "complaint", "crashed", "dead", "defective", "disappointed",
    "disappointing", "fail", "failed", "fails", "faulty", "hate", "horrible", "late", "leaks", "loud",
    "missing", "never", "noisy", "poor", "refund", "returned", "slow", "stopped", "terrible", "useless",
    "waste", "worse", "worst", "wrong",
})
POSITIVE = frozenset({
    "amazing", "awesome", "best", "brilliant", "excellent", "exactly", "fantastic", "great", "happy", "love",
    "loved", "lovely", "perfect", "recommend", "reliable", "stars", "superb", "wonderful",
})
# fmt: on
LABELS = ("positive", "negative", "neutral")
_WORD = re.compile(r"[a-z]+")


def cues(text: str) -> tuple[list[str], list[str]]:
    """(negative cue words, positive cue words) found in `text`, in order."""
    words = _WORD.findall(text.lower())
    return [w for w in words if w in NEGATIVE], [w for w in words if w in POSITIVE]


def sentiment(text: str) -> tuple[str, float]:
    """("positive" | "negative" | "neutral", confidence) by the cue-word rule."""
    negative, positive = cues(text)
    if len(negative) == len(positive):
        return "neutral", 0.5
    label, hits = ("negative", len(negative)) if len(negative) > len(positive) else ("positive", len(positive))
    return label, min(0.95, round(0.6 + 0.1 * hits, 2))


def is_sentiment_enum(options: list[object]) -> bool:
    """True when an enum offers at least two of positive/negative/neutral (in any case)."""
    names = {str(o).lower() for o in options}
    return len(names & set(LABELS)) >= 2


def pick(options: list[object], text: str) -> object:
    """The enum option the rule gives for `text`; the first option when the rule's label is not offered."""
    label, _ = sentiment(text)
    by_name = {str(o).lower(): o for o in options}
    if label == "neutral" and "neutral" not in by_name:
        label = "negative" if cues(text)[0] else "positive"
    return by_name.get(label, options[0])
