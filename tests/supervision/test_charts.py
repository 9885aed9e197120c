"""The server-drawn SVG charts escape what they draw and scale to the largest value."""

from __future__ import annotations

from supervision.charts import bar_chart


def test_labels_are_escaped() -> None:
    svg = str(bar_chart([("<script>alert(1)</script>", 3.0)], title='"><img src=x>'))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<img" not in svg


def test_bars_scale_to_a_round_maximum() -> None:
    svg = str(bar_chart([("A", 12.0), ("B", 37.0)], title="t", unit="min"))
    assert svg.count('<g class="bar">') == 2
    assert ">40<" in svg  # the scale's top: 37 rounded up
    assert "B: 37 min" in svg


def test_no_data_draws_a_dash() -> None:
    assert "—" in str(bar_chart([], title="t"))
