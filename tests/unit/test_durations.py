"""Durations and rates with units are parsed into hours (the simulator's clock) or events per hour."""

from __future__ import annotations

import pytest

from sim.durations import parse_duration, parse_rate, spell_duration


class TestParseDuration:
    """Every unit, sums of parts, and the refusal of anything without a unit."""

    @pytest.mark.parametrize(
        ("text", "hours"),
        [
            ("90s", 90 / 3600),
            ("30m", 0.5),
            ("4h", 4.0),
            ("2d", 48.0),
            ("1w", 168.0),
            ("1d 4h", 28.0),
            ("1w2d", 216.0),
            ("0.5h", 0.5),
            (".25h", 0.25),
            (" 2 h ", 2.0),
            ("0h", 0.0),
        ],
    )
    def test_reads_hours(self, text: str, hours: float) -> None:
        assert hours == pytest.approx(parse_duration(text), rel=1e-15)

    @pytest.mark.parametrize("text", ["", "   ", "4", "4x", "-1h", "1h 30", "h", "4 hours", "1,5h"])
    def test_refuses_text_without_a_unit(self, text: str) -> None:
        with pytest.raises(ValueError, match="duration"):
            parse_duration(text)

    @pytest.mark.parametrize("value", [4, 4.0, None, True])
    def test_refuses_a_bare_number(self, value: object) -> None:
        with pytest.raises(ValueError, match="must be a string with a unit"):
            parse_duration(value)  # type: ignore[arg-type]


class TestParseRate:
    """A rate is a count per unit; it comes back per hour."""

    @pytest.mark.parametrize(("text", "per_hour"), [("12/d", 0.5), ("0.5/h", 0.5), ("3/w", 3 / 168), ("2 / m", 120.0)])
    def test_reads_per_hour(self, text: str, per_hour: float) -> None:
        assert per_hour == pytest.approx(parse_rate(text), rel=1e-15)

    @pytest.mark.parametrize("text", ["12", "12/day", "/d", "12 per d", "1d"])
    def test_refuses_other_forms(self, text: str) -> None:
        with pytest.raises(ValueError, match="cannot read rate"):
            parse_rate(text)


def test_spell_duration_picks_a_unit_of_the_scenario_syntax() -> None:
    assert [
        spell_duration(0.5),
        spell_duration(4),
        spell_duration(28),
        spell_duration(400),
        spell_duration(float("nan")),
    ] == ["30m", "4.0h", "1.2d", "2.4w", "n/a"]
