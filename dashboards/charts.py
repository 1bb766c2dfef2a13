"""Charts drawn on the server as SVG geometry: no JavaScript, nothing inline the CSP would block.

A chart is a list of horizontal bars, each split into segments of named series; every bar label and every
segment carries the URL of the filtered admin list it counts, so a figure is always one click from its rows.
The template ``dashboards/chart.html`` draws what :func:`bar_chart` computes.
"""

from dataclasses import dataclass, field

# Colour-blind-safe palette (Okabe-Ito), dark enough for text contrast on the admin's light and dark themes.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#999999")

LABEL_WIDTH = 230
PLOT_WIDTH = 420
TOTAL_WIDTH = 60
ROW_HEIGHT = 26
BAR_HEIGHT = 18


@dataclass(frozen=True)
class Part:
    """One segment's input: which series, how many, and the list behind it."""

    series: str
    value: int
    url: str


@dataclass(frozen=True)
class Row:
    """One bar's input."""

    label: str
    url: str
    parts: list[Part]


@dataclass(frozen=True)
class Segment:
    label: str
    value: int
    url: str
    colour: str
    x: int
    width: int


@dataclass(frozen=True)
class Bar:
    label: str
    url: str
    total: int
    segments: list[Segment]
    y: int
    text_y: int
    end_x: int


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str


@dataclass
class Chart:
    title: str
    slug: str
    bars: list[Bar] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)
    width: int = LABEL_WIDTH + PLOT_WIDTH + TOTAL_WIDTH
    height: int = 0
    label_x: int = LABEL_WIDTH - 8
    plot_x: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def total(self) -> int:
        return sum(bar.total for bar in self.bars)


def bar_chart(*, title: str, slug: str, rows: list[Row], series: dict[str, str]) -> Chart:
    """Lay out ``rows`` as stacked horizontal bars; ``series`` maps each series key to its label, in order."""
    colours = {key: PALETTE[index % len(PALETTE)] for index, key in enumerate(series)}
    largest = max((sum(part.value for part in row.parts) for row in rows), default=0)
    chart = Chart(title=title, slug=slug, height=max(len(rows), 1) * ROW_HEIGHT)
    for index, row in enumerate(rows):
        y = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        x = LABEL_WIDTH
        segments = []
        for part in sorted(row.parts, key=lambda part: list(series).index(part.series)):
            if part.value <= 0:
                continue
            width = max(round(part.value / largest * PLOT_WIDTH), 2)
            segments.append(Segment(series[part.series], part.value, part.url, colours[part.series], x, width))
            x += width
        total = sum(segment.value for segment in segments)
        chart.bars.append(Bar(row.label, row.url, total, segments, y, y + BAR_HEIGHT - 4, x + 6))
    used = {part.series for row in rows for part in row.parts if part.value > 0}
    chart.legend = [LegendEntry(label, colours[key]) for key, label in series.items() if key in used]
    return chart
