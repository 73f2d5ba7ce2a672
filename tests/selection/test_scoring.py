"""The rubric's arithmetic: weighted means, the application's score, the disagreement flag."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from app.selection.scoring import shown, standing, weighted_mean


def test_a_review_is_the_weighted_mean_of_its_scores():
    # Weights 3 and 1: (3*5 + 1*1) / 4 = 4
    assert weighted_mean([(3, 5), (1, 1)]) == Fraction(4)
    assert weighted_mean([(1, 2), (1, 3)]) == Fraction(5, 2)


def test_equal_weights_give_the_plain_mean_and_one_criterion_its_score():
    assert weighted_mean([(7, 4)]) == Fraction(4)
    assert weighted_mean([(2, 1), (2, 2), (2, 4)]) == Fraction(7, 3)


def test_a_review_without_scores_has_no_mean():
    assert weighted_mean([]) is None


def test_the_mean_is_exact_and_rounded_half_up_only_when_shown():
    mean = weighted_mean([(1, 1), (1, 2), (1, 2)])  # 5/3
    assert mean == Fraction(5, 3)
    assert shown(mean) == Decimal("1.67")
    assert shown(Fraction(3125, 1000)) == Decimal("3.13")  # half up, not half even
    assert shown(Fraction(3135, 1000)) == Decimal("3.14")
    assert shown(None) is None


def test_the_application_score_is_the_mean_of_the_reviewers_means():
    # Each reviewer counts once, whatever the weights inside their review.
    result = standing([Fraction(4), Fraction(2), Fraction(3)], Decimal("1.5"))
    assert result.mean == Fraction(3)
    assert result.reviewers == 3
    assert result.shown_mean == Decimal("3.00")


def test_reviews_without_scores_are_left_out():
    result = standing([Fraction(4), None], Decimal("1.5"))
    assert result.reviewers == 1 and result.mean == Fraction(4)
    assert standing([], Decimal("1")).mean is None
    assert standing([None], Decimal("1")).reviewers == 0


def test_a_spread_equal_to_the_margin_is_not_a_disagreement():
    result = standing([Fraction(4), Fraction(5, 2)], Decimal("1.5"))
    assert result.spread == Fraction(3, 2)
    assert not result.disagreement


def test_a_spread_just_over_the_margin_is_a_disagreement():
    assert standing([Fraction(401, 100), Fraction(5, 2)], Decimal("1.5")).disagreement
    assert not standing([Fraction(399, 100), Fraction(5, 2)], Decimal("1.5")).disagreement


def test_the_flag_is_decided_on_exact_values_not_rounded_ones():
    # 13/3 - 3 = 1.333...: over a margin of 1.33, though both show as 4.33 and 3.00.
    result = standing([Fraction(13, 3), Fraction(3)], Decimal("1.33"))
    assert shown(Fraction(13, 3)) - shown(Fraction(3)) == Decimal("1.33")
    assert result.disagreement


def test_a_margin_of_zero_flags_any_difference_and_one_reviewer_never():
    assert standing([Fraction(3), Fraction(301, 100)], Decimal("0")).disagreement
    assert not standing([Fraction(3), Fraction(3)], Decimal("0")).disagreement
    assert not standing([Fraction(1)], Decimal("0")).disagreement
