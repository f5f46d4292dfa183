"""The local graph's attribute texts, made once per place, are those of each node and line."""

from __future__ import annotations

from sitegen.views import GraphLine, place_node


def test_a_line_prints_its_own_numbers_whatever_was_drawn_before() -> None:
    first = GraphLine(10.5, 20.0, 30.0, 40.25, 1.5).attrs
    assert first == 'x1="10.5" y1="20.0" x2="30.0" y2="40.25" stroke-width="1.5"'
    assert GraphLine(10.5, 20.0, 30.0, 40.25, 2.0).attrs.endswith('stroke-width="2.0"')
    # Equal as keys, printed differently: never taken from the memo of the other.
    assert GraphLine(0.0, 1.0, 2.0, 3.0, 1.0).attrs.startswith('x1="0.0" y1="1.0"')
    assert GraphLine(-0.0, 1.0, 2.0, 3.0, 1.0).attrs.startswith('x1="-0.0" y1="1.0"')


def test_a_node_placed_again_gets_the_same_attributes() -> None:
    made = [place_node("/a/", "A", "A", 500.0, 100.0, 1, 380.0) for _ in range(2)]
    assert made[0] == made[1]
    assert made[0].circle_attrs == 'cx="500.0" cy="100.0" r="8.0"'
    assert made[0].label_attrs == 'x="513.0" y="104.0" text-anchor="start"'
    other = place_node("/b/", "B", "", 200.0, 100.0, 2, 380.0)
    assert other.circle_attrs == 'cx="200.0" cy="100.0" r="5.0"'
    assert other.label_attrs == 'x="190.0" y="104.0" text-anchor="end"'
