"""Charts drawn on the server as SVG shapes, with the numbers kept for the screen-reader table."""

from gateway.web.charts import BASELINE, PLOT_HEIGHT, Series, columns, horizontal_bars, nice_maximum


def test_axis_tops_are_round_numbers_with_four_whole_steps():
    assert nice_maximum(0) == 4
    assert nice_maximum(3) == 4
    assert nice_maximum(5) == 8
    assert nice_maximum(18) == 20
    assert nice_maximum(130) == 200


def test_the_longest_bar_is_as_long_as_its_share_of_the_axis():
    chart = horizontal_bars("Open cases by status", ["Registered", "In progress"], [4, 8])
    rects = [s for s in chart.shapes if s["kind"] == "rect"]
    assert rects[1]["width"] == 2 * rects[0]["width"]
    assert [s["text"] for s in chart.shapes if s["kind"] == "text"] == ["Registered", "4", "In progress", "8"]


def test_stacked_columns_put_each_series_on_top_of_the_one_below():
    chart = columns("SLA", ["w1"], [Series("Met", [6], "a"), Series("Breached", [2], "b")], stacked=True)
    met, breached = [s for s in chart.shapes if s["kind"] == "rect"]
    assert met["y"] + met["height"] == BASELINE
    assert breached["y"] + breached["height"] == met["y"]
    assert met["height"] + breached["height"] == PLOT_HEIGHT  # 8 of an axis that tops at 8


def test_grouped_columns_stand_side_by_side_on_the_baseline():
    chart = columns("Per day", ["1/11", "2/11"], [Series("Created", [3, 1], "a"), Series("Resolved", [1, 0], "b")])
    rects = [s for s in chart.shapes if s["kind"] == "rect"]
    assert len(rects) == 4
    assert all(r["y"] + r["height"] == BASELINE for r in rects)
    assert rects[0]["x"] < rects[1]["x"] < rects[2]["x"]


def test_the_table_rows_hold_every_number_of_the_chart():
    chart = columns("Per day", ["1/11", "2/11"], [Series("Created", [3, 1], "a"), Series("Resolved", [1, 0], "b")])
    assert chart.rows() == [("1/11", [3, 1]), ("2/11", [1, 0])]


def test_a_chart_without_figures_is_empty():
    assert columns("x", ["a"], [Series("s", [0], "c")]).empty
    assert horizontal_bars("x", [], []).empty


def test_the_value_axis_is_labelled_on_both_sides_of_the_plot():
    chart = columns("Per day", ["1/11", "2/11"], [Series("Created", [3, 1], "a")])
    assert [t["text"] for t in chart.ticks] == ["0", "1", "2", "3", "4"]
    for tick in chart.ticks:
        assert tick["label_x"] < tick["x1"] < tick["x2"] < tick["right_label_x"] < chart.svg_width
    rects = [s for s in chart.shapes if s["kind"] == "rect"]
    assert all(chart.ticks[0]["x1"] <= r["x"] and r["x"] + r["width"] <= chart.ticks[0]["x2"] for r in rects)
