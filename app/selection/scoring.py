"""The rubric's arithmetic, in one place: a review's weighted mean, an application's score and
the committee's disagreement.

Every step is exact (fractions): a review's weighted mean is sum(weight * score) / sum(weight)
over the criteria it scored; an application's score is the plain mean of its reviewers'
weighted means (each reviewer counts once, whatever the weights); the reviewers disagree when
the highest and the lowest of their weighted means lie further apart than the event's margin
(strictly more: a spread equal to the margin is not flagged). Only what is shown is rounded:
to two decimals, half up (ROUND_HALF_UP), so 3.125 reads 3.13; the flag is decided on the
exact values, never on the rounded ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# What is shown of a mean: two decimals.
SHOWN = Decimal("0.01")


def shown(value: Fraction | None) -> Decimal | None:
    """Return an exact mean as shown: two decimals, half up; None stays None."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    # Decimal's default precision (28 digits) is far beyond two decimals of a 1..5 mean; the
    # quantize of the quotient is then the half-up rounding of the exact fraction.
    return exact.quantize(SHOWN, rounding=ROUND_HALF_UP)


def weighted_mean(scored: Iterable[tuple[int, int]]) -> Fraction | None:
    """Return sum(w * s) / sum(w) of (weight, score) pairs; None when nothing was scored."""
    pairs = list(scored)
    total_weight = sum(weight for weight, _score in pairs)
    if not pairs or total_weight <= 0:
        return None
    return Fraction(sum(weight * score for weight, score in pairs), total_weight)


@dataclass(frozen=True)
class Standing:
    """An application's score from its reviews: the mean, how many reviewed, whether they
    disagree, and the spread between the highest and the lowest review."""

    mean: Fraction | None
    reviewers: int
    spread: Fraction
    disagreement: bool

    @property
    def shown_mean(self) -> Decimal | None:
        """Return the mean as shown (two decimals, half up)."""
        return shown(self.mean)


def standing(review_means: Iterable[Fraction | None], margin: Decimal) -> Standing:
    """Combine reviewers' weighted means (None: a review without scores, left out) into the
    application's score, flagging a spread of more than `margin`."""
    means = [mean for mean in review_means if mean is not None]
    if not means:
        return Standing(mean=None, reviewers=0, spread=Fraction(0), disagreement=False)
    spread = max(means) - min(means)
    return Standing(
        mean=sum(means, Fraction(0)) / len(means),
        reviewers=len(means),
        spread=spread,
        disagreement=spread > Fraction(margin),
    )
