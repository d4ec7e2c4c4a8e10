"""A seeded street network for a community that has no OpenStreetMap extract.

No OSM file of Baotun can ship with the project, so the default scenario carries a
generated town laid out like a Pearl River Delta town centre: a few arterials (one of each
direction a dual carriageway of one-way pairs), irregular blocks of residential streets,
dense winding lanes of urban villages (城中村), an industrial zone of long blocks with
factory driveways, and a river crossed at a few bridges only, so some shortest paths
detour. The town is written as OSM XML, so routing reads it through exactly the osmnx
code path real data takes, and a real extract can replace it without any code change.

Everything is built on one warped lattice of 50 m cells: every street runs along lattice
lines (or a village lane's diagonal), so ways only meet at shared nodes, as in OSM. All
randomness comes from one ``numpy`` generator seeded by ``seed``, and the XML is written in
sorted order without timestamps: the same arguments give byte-identical files.
"""

from __future__ import annotations

import bz2
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from planner._errors import InputError, InputProblem
from planner.scenario_io import atomic_write_bytes, atomic_write_text

Bbox = tuple[float, float, float, float]
"""``(lon_min, lat_min, lon_max, lat_max)`` in WGS-84, as ``scenario.toml`` writes it."""
Station = tuple[str, float, float]
"""``(grid id, lat, lon)`` of a grid station in WGS-84."""
Point = tuple[float, float]

STREETS_FILE = "streets.osm.bz2"
PATROL_FILE = "patrol.csv"
SPACING_M = 50.0
"""Lattice cell: village lanes run on every line, so lanes are 40-80 m apart."""
BORDER_M = 5.0
"""Nodes stay this far inside the box, so clipping the graph to the box keeps them all."""
HALF_MEDIAN_M = 10.0
"""Half the distance between the two carriageways of a dual carriageway."""
EARTH_RADIUS_M = 6_371_009.0
"""osmnx's mean earth radius, so local metres agree with its great-circle lengths."""
BZ2_LEVEL = 9
RIVER_ROWS = 2
"""The river lies between two bank roads this many lattice rows apart (70-80 m of water)."""
PATROL_MIN_STREETS = 4
PATROL_MAX_STREETS = 8
PATROL_TARGET_M = 4000.0
"""A night patrol's designated streets: 4-8 named streets, about 4 km of them near the station."""

LANE_CLASSES = frozenset({"footway", "path", "living_street"})
HIGHWAY_ORDER = (
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "footway",
    "path",
)

PRIMARY_NAMES = ("莞太路", "厚街大道")
"""The north-south and the east-west dual carriageway."""
ARTERIAL_NAMES = (
    "宝屯路",
    "康乐北路",
    "双岗路",
    "宝塘路",
    "新围路",
    "环岛路",
    "河田路",
    "湖景路",
    "珊美路",
    "赤岭路",
    "三屯路",
    "涌口路",
    "汀山路",
    "溪头路",
)
RIVERSIDE_NAMES = ("滨河南路", "滨河北路")
VILLAGE_WORDS = (
    "宝屯",
    "新围",
    "三屯",
    "汀山",
    "涌口",
    "溪头",
    "桥头",
    "赤岭",
    "白濠",
    "珊美",
    "寮厦",
    "陈屋",
    "竹溪",
    "大迳",
    "新塘",
    "南五",
    "横岗",
    "沙塘",
)
TOWN_WORDS = (
    "康乐",
    "富康",
    "文明",
    "育英",
    "建设",
    "人民",
    "华庭",
    "翠园",
    "锦绣",
    "东风",
    "和平",
    "幸福",
    "福民",
    "南安",
    "怡景",
    "宝塘",
    "厚兴",
    "振华",
)
WORKS_WORDS = (
    "兴业",
    "科技",
    "创业",
    "工业",
    "富民",
    "汇富",
    "鸿图",
    "金龙",
    "振兴",
    "宏业",
    "三洲",
    "鞋城",
)
NUMERALS = "零一二三四五六七八九"


@dataclass(frozen=True)
class StreetNetwork:
    """A generated town: its OSM XML and each grid's designated night-patrol streets."""

    osm_xml: str
    patrol: list[tuple[str, str]]
    """``(grid id, street name)``, per grid nearest street first."""
    nodes: int
    ways: int


@dataclass(frozen=True)
class _Street:
    """The tags of one street (one or more OSM ways)."""

    name: str | None
    highway: str
    lanes: int | None = None
    oneway: bool = False
    bridge: bool = False
    extra: tuple[tuple[str, str], ...] = ()

    def tags(self) -> list[tuple[str, str]]:
        tags = [("highway", self.highway), *self.extra]
        if self.name:
            tags.append(("name", self.name))
        if self.lanes:
            tags.append(("lanes", str(self.lanes)))
        if self.oneway:
            tags.append(("oneway", "yes"))
        if self.bridge:
            tags += [("bridge", "yes"), ("layer", "1")]
        return sorted(tags)


@dataclass
class _Block:
    """A superblock between arterials (or the river, or the box edge), of one land use."""

    i0: int
    i1: int
    j0: int
    j1: int
    zone: str = "residential"
    prefix: str = ""

    @property
    def centre(self) -> Point:
        return ((self.i0 + self.i1) / 2, (self.j0 + self.j1) / 2)


@dataclass(frozen=True)
class _Frame:
    """Local metres (x east, y north) from the box's south-west corner."""

    lon0: float
    lat0: float
    m_lon: float
    m_lat: float
    width: float
    height: float

    @classmethod
    def of(cls, bbox: Bbox) -> _Frame:
        lon0, lat0, lon1, lat1 = bbox
        m_lat = math.pi * EARTH_RADIUS_M / 180
        m_lon = m_lat * math.cos(math.radians((lat0 + lat1) / 2))
        return cls(lon0, lat0, m_lon, m_lat, (lon1 - lon0) * m_lon, (lat1 - lat0) * m_lat)

    def xy(self, lat: float, lon: float) -> Point:
        return ((lon - self.lon0) * self.m_lon, (lat - self.lat0) * self.m_lat)

    def latlon(self, x: float, y: float) -> Point:
        return (self.lat0 + y / self.m_lat, self.lon0 + x / self.m_lon)


def _numeral(n: int) -> str:
    """1 -> 一, 12 -> 十二, 23 -> 二十三: how street numbers are written."""
    if n < 10:
        return NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens]) + "十" + (NUMERALS[ones] if ones else "")


@dataclass(frozen=True)
class _Shape:
    """How lattice indices become local metres: a turn, a swirl, waves, the river's meander.

    The lattice is turned against the box and bent smoothly so that neighbourhoods face
    slightly different ways, as towns grown over decades do; every bend is gentle enough
    that lattice cells keep their orientation, so streets never cross without a node.
    """

    spacing: float
    origin: Point
    """(u, v) of lattice node (0, 0), in metres from the box centre along the turned axes."""
    centre: Point
    angle: float
    swirl: tuple[float, float, float, float]
    """Extra turn in radians: (amplitude, wave number u, wave number v, phase)."""
    waves: tuple[tuple[int, float, float, float, float], ...]
    """(axis 0=u 1=v, amplitude m, wave number u, wave number v, phase)."""
    bends: tuple[tuple[float, float, float], ...]
    """The river's meander across the flow: (amplitude m, wave number u, phase)."""
    river_v: float | None = None

    def place(self, i: NDArray[np.float64], j: NDArray[np.float64]) -> NDArray[np.float64]:
        """Local metres ``[..., (x, y)]`` of lattice positions ``(i, j)``."""
        u = self.origin[0] + i * self.spacing
        v = self.origin[1] + j * self.spacing
        shift = [np.zeros_like(u), np.zeros_like(u)]
        for axis, amp, ku, kv, phase in self.waves:
            shift[axis] = shift[axis] + amp * np.sin(ku * u + kv * v + phase)
        if self.river_v is not None:
            meander = sum(a * np.sin(k * u + p) for a, k, p in self.bends)
            shift[1] = shift[1] + meander * np.exp(-(((v - self.river_v) / 600) ** 2))
        amp, ku, kv, phase = self.swirl
        turn = self.angle + amp * np.sin(ku * u + kv * v + phase)
        u2, v2 = u + shift[0], v + shift[1]
        x = self.centre[0] + np.cos(turn) * u2 - np.sin(turn) * v2
        y = self.centre[1] + np.sin(turn) * u2 + np.cos(turn) * v2
        return np.stack([x, y], axis=-1)

    def lattice(self, nx: int, ny: int) -> NDArray[np.float64]:
        i, j = np.meshgrid(np.arange(nx, dtype=float), np.arange(ny, dtype=float), indexing="ij")
        return self.place(i, j)


def _make_shape(rng: np.random.Generator, frame: _Frame) -> tuple[_Shape, int, int]:
    """A random shape and the lattice size that covers the whole box once bent."""
    angle = float(rng.uniform(0.12, 0.35)) * (1 if rng.random() < 0.5 else -1)
    swirl_k = 2 * math.pi / float(rng.uniform(4000, 7000))
    swirl_dir = float(rng.uniform(0, math.pi))
    swirl = (
        float(rng.uniform(0.04, 0.07)),
        swirl_k * math.cos(swirl_dir),
        swirl_k * math.sin(swirl_dir),
        float(rng.uniform(0, 2 * math.pi)),
    )
    waves = []
    for axis in (0, 1, 0, 1):
        k = 2 * math.pi / float(rng.uniform(1500, 3000))
        direction = float(rng.uniform(0, math.pi))
        waves.append(
            (
                axis,
                float(rng.uniform(15, 30)),
                k * math.cos(direction),
                k * math.sin(direction),
                float(rng.uniform(0, 2 * math.pi)),
            )
        )
    bends = tuple(
        (
            float(rng.uniform(*amp)),
            float(2 * math.pi / rng.uniform(*length)),
            float(rng.uniform(0, 2 * math.pi)),
        )
        for amp, length in (((120, 200), (2800, 4200)), ((15, 30), (900, 1400)))
    )
    half_w, half_h = frame.width / 2, frame.height / 2
    reach = math.hypot(half_w, half_h)
    slack = reach * swirl[0] + 2 * 30 + sum(b[0] for b in bends) + 2 * SPACING_M
    half_u = half_w * abs(math.cos(angle)) + half_h * abs(math.sin(angle)) + slack
    half_v = half_w * abs(math.sin(angle)) + half_h * abs(math.cos(angle)) + slack
    nx = math.ceil(2 * half_u / SPACING_M) + 1
    ny = math.ceil(2 * half_v / SPACING_M) + 1
    origin = (-(nx - 1) * SPACING_M / 2, -(ny - 1) * SPACING_M / 2)
    shape = _Shape(SPACING_M, origin, (half_w, half_h), angle, swirl, tuple(waves), bends)
    return shape, nx, ny


@dataclass
class _Town:
    """The lattice town under construction; see :func:`generate_streets`."""

    rng: np.random.Generator
    nx: int
    ny: int
    inside: NDArray[np.bool_]
    """Lattice nodes that fall inside the box."""
    streets: list[_Street] = field(default_factory=list)
    partner: dict[int, int] = field(default_factory=dict)
    """Dual carriageways: the street of the +i/+j side -> the street of the other side."""
    hedges: dict[tuple[int, int], int] = field(default_factory=dict)
    """Lattice edge (i, j)-(i+1, j) -> street."""
    vedges: dict[tuple[int, int], int] = field(default_factory=dict)
    """Lattice edge (i, j)-(i, j+1) -> street."""
    diagonals: dict[tuple[int, int], tuple[int, bool]] = field(default_factory=dict)
    """Cell (i, j) -> (street, rising): a lane across the cell, rising from (i, j) if true."""
    dual_cols: set[int] = field(default_factory=set)
    dual_rows: set[int] = field(default_factory=set)
    arterial_cols: list[int] = field(default_factory=list)
    arterial_rows: list[int] = field(default_factory=list)
    bridged: set[int] = field(default_factory=set)
    gaps: set[tuple[bool, int, int]] = field(default_factory=set)
    """Arterial stretches left out where two superblocks merge: (row?, line, from)."""
    river: int | None = None
    """The south bank row; the water lies between it and row ``river + RIVER_ROWS``."""
    blocks: list[_Block] = field(default_factory=list)
    words: dict[str, list[str]] = field(default_factory=dict)
    spare: int = 0

    def street(
        self,
        name: str | None,
        highway: str,
        lanes: int | None = None,
        oneway: bool = False,
        bridge: bool = False,
        extra: tuple[tuple[str, str], ...] = (),
    ) -> int:
        self.streets.append(_Street(name, highway, lanes, oneway, bridge, extra))
        return len(self.streets) - 1

    def dual(self, name: str, highway: str, lanes: int, bridge: bool = False) -> int:
        plus = self.street(name, highway, lanes=lanes, oneway=True, bridge=bridge)
        self.partner[plus] = self.street(name, highway, lanes=lanes, oneway=True, bridge=bridge)
        return plus

    def word(self, zone: str) -> str:
        """A place word for a block's street names, never used twice (宝屯, then 宝屯东...)."""
        pool = self.words[zone]
        if pool:
            return pool.pop(0)
        base, turn = divmod(self.spare, len(VILLAGE_WORDS))
        self.spare += 1
        side = "东西南北中"[base % 5] + (_numeral(base // 5) if base >= 5 else "")
        return f"{VILLAGE_WORDS[turn]}{side}"

    def span(self, axis: int) -> tuple[int, int]:
        """First and last lattice line (of columns, axis 0, or rows, axis 1) inside the box."""
        used = np.flatnonzero(self.inside.any(axis=1 - axis))
        return int(used[0]), int(used[-1])


# ------------------------------------------------------------------------------ layout


def _cuts(lo: int, hi: int, rng: np.random.Generator) -> list[int]:
    """Arterials between two lines, 750-1050 m apart, evenly spread with some play."""
    count = max(1, round((hi - lo) / 17))
    step = (hi - lo) / count
    return [lo + round(step * k + rng.uniform(-2, 2)) for k in range(1, count)]


def _choose_river(town: _Town, shape: _Shape, stations: list[tuple[int, int]]) -> int | None:
    """The bank row, across the middle of the box and as far from every station as it can be."""
    lo, hi = town.span(1)
    if hi - lo < 30:
        return None
    best: tuple[float, int] | None = None
    for row in range(lo + round((hi - lo) * 0.3), lo + round((hi - lo) * 0.65) - RIVER_ROWS):
        gap = math.inf
        for i, j in stations:
            u = shape.origin[0] + i * shape.spacing
            meander = sum(a * math.sin(k * u + p) for a, k, p in shape.bends)
            gap = min(gap, abs((j - row - RIVER_ROWS / 2) * shape.spacing - meander))
        score = min(gap, 400.0) + float(town.rng.uniform(0, 60))
        if best is None or score > best[0]:
            best = (score, row)
    return best[1] if best else None


def _layout(town: _Town, shape: _Shape, stations: list[tuple[int, int]]) -> _Shape:
    """Arterial lines, the river and its bridges; returns the shape with the river's meander."""
    rng = town.rng
    town.river = _choose_river(town, shape, stations)
    town.arterial_cols = _cuts(*town.span(0), rng)
    lo, hi = town.span(1)
    if town.river is None:
        town.arterial_rows = _cuts(lo, hi, rng)
    else:
        top = town.river + RIVER_ROWS
        town.arterial_rows = _cuts(lo, town.river, rng) + _cuts(top, hi, rng)
        # bridges only where a column meets the river inside the box: the primary and some
        crossing = [c for c in town.arterial_cols if town.inside[c, town.river + 1]]
        town.bridged = {c for c in crossing if rng.random() < 0.5}
        for c in crossing[len(crossing) // 2 :: -1] + crossing[len(crossing) // 2 :]:
            if len(town.bridged) >= min(2, len(crossing)):
                break
            town.bridged.add(c)
    cols = sorted(town.bridged) or town.arterial_cols
    if cols:
        town.dual_cols.add(cols[int(rng.integers(len(cols)))])
    if town.arterial_rows:
        town.dual_rows.add(town.arterial_rows[int(rng.integers(len(town.arterial_rows)))])
    if town.river is None:
        return shape
    river_v = shape.origin[1] + (town.river + RIVER_ROWS / 2) * shape.spacing
    return _Shape(**{**shape.__dict__, "river_v": river_v})


def _plan_blocks(town: _Town) -> None:
    """Superblocks between arterials and river banks, a few merged, with their land use."""
    rng = town.rng
    cols = [0, *town.arterial_cols, town.nx - 1]
    rows = [0, *town.arterial_rows, town.ny - 1]
    if town.river is not None:
        rows = sorted({*rows, town.river, town.river + RIVER_ROWS})
    water = town.river
    cells = {
        (a, b): _Block(cols[a], cols[a + 1], rows[b], rows[b + 1])
        for b in range(len(rows) - 1)
        if rows[b] != water
        for a in range(len(cols) - 1)
    }
    # some arterials stop at a T: two superblocks become one
    merged: set[tuple[int, int]] = set()
    for a, b in sorted(cells):
        if (a, b) in merged or rng.random() > 0.12:
            continue
        up = rng.random() < 0.5
        other = (a, b + 1) if up else (a + 1, b)
        line = rows[b + 1] if up else cols[a + 1]
        if other not in cells or other in merged or line in town.dual_rows | town.dual_cols:
            continue
        if town.river is not None and up and line in (town.river, town.river + RIVER_ROWS):
            continue
        one, two = cells[(a, b)], cells[other]
        cells[(a, b)] = _Block(one.i0, two.i1, one.j0, two.j1)
        del cells[other]
        merged |= {(a, b), other}
        town.gaps.add((up, line, one.i0 if up else one.j0))
    town.blocks = [cells[k] for k in sorted(cells)]
    weight = {id(b): int(town.inside[b.i0 : b.i1 + 1, b.j0 : b.j1 + 1].sum()) for b in town.blocks}
    total = sum(weight.values())
    seen = [b for b in town.blocks if weight[id(b)] > 0]
    # one industrial zone grown around a random block, about a quarter of the town
    seed = seen[int(rng.integers(len(seen)))]
    done = 0
    for block in sorted(
        seen,
        key=lambda b: (b.centre[0] - seed.centre[0]) ** 2 + (b.centre[1] - seed.centre[1]) ** 2,
    ):
        if done >= 0.22 * total:
            break
        block.zone = "industrial"
        done += weight[id(block)]
    rest = [b for b in seen if b.zone != "industrial"]
    villages = 0
    for k in rng.permutation(len(rest)):
        if villages >= 0.35 * total:
            break
        rest[int(k)].zone = "village"
        villages += weight[id(rest[int(k)])]
    for block in seen:
        block.prefix = town.word(block.zone)
    town.blocks = seen


def _arterials(town: _Town) -> None:
    """The arterial streets: one dual carriageway each way, secondaries, the bank roads."""
    order = [ARTERIAL_NAMES[int(k)] for k in town.rng.permutation(len(ARTERIAL_NAMES))]
    taken = 0

    def secondary() -> str:
        """The next arterial name; a big town goes on with 宝屯二路, 宝屯三路..."""
        nonlocal taken
        turn, k = divmod(taken, len(order))
        taken += 1
        return order[k] if turn == 0 else f"{order[k][:-1]}{_numeral(turn + 1)}路"

    for col in town.arterial_cols:
        dual = col in town.dual_cols
        _arterial_line(town, col, PRIMARY_NAMES[0] if dual else secondary(), dual)
    for row in town.arterial_rows:
        dual = row in town.dual_rows
        name = PRIMARY_NAMES[1] if dual else secondary().replace("北路", "路")
        sid = town.dual(name, "primary", 3) if dual else town.street(name, "secondary", lanes=4)
        _stretch(town, True, row, 0, town.nx - 1, sid, list(town.arterial_cols))
    if town.river is not None:
        for row, name in zip((town.river, town.river + RIVER_ROWS), RIVERSIDE_NAMES, strict=True):
            sid = town.street(name, "tertiary", lanes=2)
            for i in range(town.nx - 1):
                town.hedges.setdefault((i, row), sid)


def _stretch(
    town: _Town, horizontal: bool, line: int, a: int, b: int, sid: int, cross: list[int]
) -> None:
    """An arterial from ``a`` to ``b``, leaving out the stretches of merged superblocks."""
    stops = sorted({a, b, *cross})
    for lo, hi in itertools.pairwise(stops):
        if (horizontal, line, lo) not in town.gaps:
            _run(town, horizontal, line, lo, hi, sid)


def _arterial_line(town: _Town, col: int, name: str, dual: bool) -> None:
    """A north-south arterial; it changes its name (北 to 南) across the river."""
    highway = "primary" if dual else "secondary"
    lanes = 3 if dual else 4
    south_name = name.replace("北路", "南路")

    def make(label: str, on_bridge: bool = False) -> int:
        if dual:
            return town.dual(label, highway, lanes, on_bridge)
        return town.street(label, highway, lanes=lanes, bridge=on_bridge)

    rows = sorted({*town.arterial_rows, 0, town.ny - 1})
    if town.river is None:
        _stretch(town, False, col, 0, town.ny - 1, make(name), rows)
        return
    north = make(name)
    south = north if south_name == name else make(south_name)
    _stretch(town, False, col, 0, town.river, south, [r for r in rows if r < town.river])
    top = town.river + RIVER_ROWS
    _stretch(town, False, col, top, town.ny - 1, north, [r for r in rows if r > top])
    if col in town.bridged:
        _run(town, False, col, town.river, top, make(name, True))


def _footbridge(town: _Town) -> None:
    """One footbridge between the bank roads, away from the road bridges."""
    if town.river is None:
        return
    top = town.river + RIVER_ROWS
    spots = [
        (b, i)
        for b in town.blocks
        if b.j0 == top
        for i in range(b.i0 + 3, b.i1 - 2)
        if town.inside[i, town.river]
        and town.inside[i, top]
        and all(abs(i - c) >= 8 for c in town.bridged)
    ]
    if not spots:
        return
    block, col = spots[int(town.rng.integers(len(spots)))]
    sid = town.street(f"{block.prefix}人行桥", "footway", bridge=True)
    _run(town, False, col, town.river, top, sid)


# ------------------------------------------------------------------------- land uses


def _lines(lo: int, hi: int, gaps: Sequence[int], rng: np.random.Generator) -> list[int]:
    """Street lines strictly between two bounding lines, irregularly spaced."""
    pos = lo + int(rng.choice(gaps))
    out: list[int] = []
    while pos < hi - 1:
        out.append(pos)
        pos += int(rng.choice(gaps))
    return out


def _run(town: _Town, horizontal: bool, line: int, a: int, b: int, sid: int) -> None:
    """Lattice edges along a line from cross position ``a`` to ``b``."""
    for k in range(a, b):
        if horizontal:
            town.hedges.setdefault((k, line), sid)
        else:
            town.vedges.setdefault((line, k), sid)


def _gridded(
    town: _Town,
    block: _Block,
    row_gaps: Sequence[int],
    col_gaps: Sequence[int],
    names: tuple[str, str],
    highway: str,
    drop: float,
    spur: _Street,
    spur_rate: float,
) -> None:
    """Residential or industrial streets: irregular lines, some cut short, with spurs."""
    rng = town.rng
    rows = _lines(block.j0, block.j1, row_gaps, rng)
    cols = _lines(block.i0, block.i1, col_gaps, rng)
    collector = highway == "residential"
    main_row = rows[len(rows) // 2] if collector and len(rows) > 2 else None
    main_col = cols[len(cols) // 2] if collector and len(cols) > 2 else None
    spur_sid = town.street(spur.name, spur.highway, lanes=spur.lanes, extra=spur.extra)
    for horizontal, lines, crossing, (lo, hi) in (
        (True, rows, cols, (block.i0, block.i1)),
        (False, cols, rows, (block.j0, block.j1)),
    ):
        number = 0
        for line in lines:
            if line in (main_row, main_col):
                label = f"{block.prefix}{'大街' if horizontal else '中路'}"
                sid = town.street(label, "tertiary", lanes=2)
                cut = 0.0
            else:
                number += 1
                label = f"{block.prefix}{_numeral(number)}{names[0 if horizontal else 1]}"
                sid = town.street(label, highway, lanes=int(rng.choice([1, 2])))
                cut = drop
            stops = [lo, *crossing, hi]
            pieces = list(itertools.pairwise(stops))
            for a, b in pieces:
                if len(pieces) > 1 and rng.random() < cut:
                    if b - a >= 3 and rng.random() < 0.6:  # a cul-de-sac is left
                        keep = int(rng.integers(1, b - a - 1))
                        if rng.random() < 0.5:
                            _run(town, horizontal, line, a, a + keep, sid)
                        else:
                            _run(town, horizontal, line, b - keep, b, sid)
                    continue
                _run(town, horizontal, line, a, b, sid)
            _spurs(town, block, horizontal, line, set(crossing), set(lines), spur_sid, spur_rate)


def _touched(town: _Town, i: int, j: int) -> bool:
    """Whether any lattice edge already ends at node (i, j)."""
    return any(
        key in edges
        for edges, key in (
            (town.hedges, (i - 1, j)),
            (town.hedges, (i, j)),
            (town.vedges, (i, j - 1)),
            (town.vedges, (i, j)),
        )
    )


def _spurs(
    town: _Town,
    block: _Block,
    horizontal: bool,
    line: int,
    crossing: set[int],
    parallel: set[int],
    sid: int,
    rate: float,
) -> None:
    """Dead-end driveways and compound roads into a block, off one street line."""
    rng = town.rng
    lo, hi = (block.i0, block.i1) if horizontal else (block.j0, block.j1)
    side_lo, side_hi = (block.j0, block.j1) if horizontal else (block.i0, block.i1)
    edges = town.vedges if horizontal else town.hedges

    def at(k: int, p: int) -> tuple[int, int]:
        return (k, p) if horizontal else (p, k)

    for k in range(lo + 1, hi):
        if k in crossing or rng.random() >= rate or not _touched(town, *at(k, line)):
            continue
        step = 1 if rng.random() < 0.5 else -1
        pos = line
        for _ in range(int(rng.integers(1, 3))):
            nxt = pos + step
            if not side_lo < nxt < side_hi or nxt in parallel or _touched(town, *at(k, nxt)):
                break
            edges[at(k, min(pos, nxt))] = sid
            pos = nxt


def _village(town: _Town, block: _Block) -> None:
    """An urban village: lanes on every lattice line, broken, winding, a few diagonals."""
    rng = town.rng
    rows = list(range(block.j0 + 1, block.j1))
    cols = list(range(block.i0 + 1, block.i1))
    main_row = rows[len(rows) // 2 + int(rng.integers(-1, 2))] if len(rows) > 3 else None
    main_col = cols[len(cols) // 2 + int(rng.integers(-1, 2))] if len(cols) > 3 else None
    lane_classes = ("footway", "footway", "path", "living_street", "living_street")
    for horizontal, lines, (lo, hi) in (
        (True, rows, (block.i0, block.i1)),
        (False, cols, (block.j0, block.j1)),
    ):
        number = 0
        for line in lines:
            if line in (main_row, main_col):
                label = f"{block.prefix}{'大街' if horizontal else '中街'}"
                sid = town.street(label, "residential", lanes=1)
                keep = 1.0
            else:
                number += 1
                label = f"{block.prefix}{_numeral(number)}{'巷' if horizontal else '坊'}"
                highway = lane_classes[int(rng.integers(len(lane_classes)))]
                sid = town.street(label, highway)
                keep = 0.8
            for k in range(lo, hi):
                if rng.random() < keep:
                    _run(town, horizontal, line, k, k + 1, sid)
    lane = town.street(None, "path")
    for i in range(block.i0 + 1, block.i1 - 1):
        for j in range(block.j0 + 1, block.j1 - 1):
            if rng.random() < 0.05:
                town.diagonals[(i, j)] = (lane, bool(rng.random() < 0.5))


def _fill_blocks(town: _Town) -> None:
    """Each superblock's streets by its land use: village lanes, factory roads, housing."""
    for block in town.blocks:
        if block.zone == "village":
            _village(town, block)
        elif block.zone == "industrial":
            long_rows = bool(town.rng.random() < 0.5)
            short, wide = (3, 4), (7, 8, 9, 10)
            _gridded(
                town,
                block,
                short if long_rows else wide,
                wide if long_rows else short,
                ("路", "街"),
                "unclassified",
                0.08,
                _Street(None, "service", lanes=1, extra=(("service", "driveway"),)),
                0.45,
            )
        else:
            _gridded(
                town,
                block,
                (2, 3, 3, 4),
                (3, 3, 4, 5),
                ("街", "路"),
                "residential",
                0.12,
                _Street(None, "service", lanes=1),
                0.08,
            )


# --------------------------------------------------------------------- geometry, graph


def _positions(town: _Town, base: NDArray[np.float64], major: int) -> NDArray[np.float64]:
    """Lattice node positions jittered by land use: lanes wind, arterials run true."""
    amp = np.full((town.nx, town.ny), 5.0)
    for block in town.blocks:
        zone = {"village": 9.0, "industrial": 4.0, "residential": 5.0}[block.zone]
        amp[block.i0 + 1 : block.i1, block.j0 + 1 : block.j1] = zone
    for edges, (di, dj) in ((town.hedges, (1, 0)), (town.vedges, (0, 1))):
        for (i, j), sid in edges.items():
            if sid < major:
                amp[i, j] = amp[i + di, j + dj] = 1.5
    noise = town.rng.uniform(-1, 1, size=(town.nx, town.ny, 2))
    out: NDArray[np.float64] = base + noise * amp[:, :, None]
    return out


@dataclass
class _Graph:
    """Nodes in local metres and street edges (directed for one-way streets)."""

    xy: dict[int, Point] = field(default_factory=dict)
    edges: list[tuple[int, int, int]] = field(default_factory=list)
    next_id: int = 0

    def add(self, point: Point) -> int:
        self.next_id += 1
        self.xy[self.next_id] = point
        return self.next_id


def _materialise(town: _Town, pos: NDArray[np.float64]) -> _Graph:
    """Lattice edges to graph edges: dual carriageways split in two, lanes bent."""
    rng = town.rng
    graph = _Graph(next_id=town.nx * town.ny * 9)
    along_i, along_j = (np.gradient(pos, axis=k) for k in (0, 1))
    along_i *= HALF_MEDIAN_M / np.linalg.norm(along_i, axis=2, keepdims=True)
    along_j *= HALF_MEDIAN_M / np.linalg.norm(along_j, axis=2, keepdims=True)

    def col_split(i: int, j: int) -> bool:
        return i in town.dual_cols and 0 < j < town.ny - 1

    def row_split(i: int, j: int) -> bool:
        return j in town.dual_rows and 0 < i < town.nx - 1

    def node(i: int, j: int, sx: int, sy: int) -> int:
        key = ((i * town.ny + j) * 3 + sx + 1) * 3 + sy + 1
        if key not in graph.xy:
            x, y = pos[i, j] + sx * along_i[i, j] + sy * along_j[i, j]
            graph.xy[key] = (float(x), float(y))
        return key

    def lane(sid: int) -> bool:
        return town.streets[sid].highway in LANE_CLASSES

    def link(u: int, v: int, sid: int, may_bend: bool) -> None:
        if may_bend and lane(sid) and rng.random() < 0.3:  # a lane winds round a house
            (x0, y0), (x1, y1) = graph.xy[u], graph.xy[v]
            off = float(rng.uniform(3, 8)) * (1 if rng.random() < 0.5 else -1)
            off /= math.hypot(x1 - x0, y1 - y0)
            mid = graph.add(((x0 + x1) / 2 - (y1 - y0) * off, (y0 + y1) / 2 + (x1 - x0) * off))
            graph.edges += [(u, mid, sid), (mid, v, sid)]
        else:
            graph.edges.append((u, v, sid))

    def clear(cells: Sequence[tuple[int, int]]) -> bool:
        return not any(c in town.diagonals for c in cells)

    for (i, j), sid in sorted(town.hedges.items()):
        sx_a = 1 if col_split(i, j) else 0
        sx_b = -1 if col_split(i + 1, j) else 0
        if sid in town.partner:  # north side runs west, south side east (right-hand traffic)
            sy_a, sy_b = (1 if row_split(i, j) else 0), (1 if row_split(i + 1, j) else 0)
            link(node(i + 1, j, sx_b, sy_b), node(i, j, sx_a, sy_a), sid, False)
            link(node(i, j, sx_a, -sy_a), node(i + 1, j, sx_b, -sy_b), town.partner[sid], False)
        else:
            bend = clear([(i, j), (i, j - 1)])
            link(node(i, j, sx_a, 0), node(i + 1, j, sx_b, 0), sid, bend)
    for (i, j), sid in sorted(town.vedges.items()):
        sy_a = 1 if row_split(i, j) else 0
        sy_b = -1 if row_split(i, j + 1) else 0
        if sid in town.partner:  # east side runs north, west side south
            sx_a, sx_b = (1 if col_split(i, j) else 0), (1 if col_split(i, j + 1) else 0)
            link(node(i, j, sx_a, sy_a), node(i, j + 1, sx_b, sy_b), sid, False)
            link(node(i, j + 1, -sx_b, sy_b), node(i, j, -sx_a, sy_a), town.partner[sid], False)
        else:
            bend = clear([(i, j), (i - 1, j)])
            link(node(i, j, 0, sy_a), node(i, j + 1, 0, sy_b), sid, bend)
    for (i, j), (sid, rising) in sorted(town.diagonals.items()):
        if rising:
            link(node(i, j, 0, 0), node(i + 1, j + 1, 0, 0), sid, False)
        else:
            link(node(i + 1, j, 0, 0), node(i, j + 1, 0, 0), sid, False)
    _junctions(town, graph, node, col_split, row_split)
    if town.river is not None:
        _landings(town, graph, pos)
    return graph


def _landings(town: _Town, graph: _Graph, pos: NDArray[np.float64]) -> None:
    """Steps down to the water (埠头) every 100-200 m along both banks."""
    assert town.river is not None
    sid = town.street(None, "footway")
    lo, hi = town.span(0)
    for row, step in ((town.river, 1), (town.river + RIVER_ROWS, -1)):
        i = lo + int(town.rng.integers(0, 3))
        while i < hi:
            if i not in town.dual_cols and (i, min(row, row + step)) not in town.vedges:
                bank = ((i * town.ny + row) * 3 + 1) * 3 + 1
                if bank in graph.xy:
                    x, y = pos[i, row] + 0.4 * (pos[i, row + step] - pos[i, row])
                    graph.edges.append((bank, graph.add((float(x), float(y))), sid))
            i += int(town.rng.integers(2, 5))


def _junctions(
    town: _Town,
    graph: _Graph,
    node: Callable[[int, int, int, int], int],
    col_split: Callable[[int, int], bool],
    row_split: Callable[[int, int], bool],
) -> None:
    """Links inside split junctions: the carriageways' loop, or a street crossing the median."""
    for i in sorted(town.dual_cols):
        for j in range(1, town.ny - 1):
            if (i, j - 1) not in town.vedges or (i, j) not in town.vedges:
                continue
            if row_split(i, j):
                col, row = town.vedges[(i, j)], town.hedges[(i, j)]
                graph.edges += [
                    (node(i, j, -1, -1), node(i, j, 1, -1), town.partner[row]),
                    (node(i, j, 1, 1), node(i, j, -1, 1), row),
                    (node(i, j, 1, -1), node(i, j, 1, 1), col),
                    (node(i, j, -1, 1), node(i, j, -1, -1), town.partner[col]),
                ]
                continue
            west, east = town.hedges.get((i - 1, j)), town.hedges.get((i, j))
            if west is not None and east is not None and not _minor(town, west, east):
                graph.edges.append((node(i, j, -1, 0), node(i, j, 1, 0), west))
    for j in sorted(town.dual_rows):
        for i in range(1, town.nx - 1):
            if col_split(i, j):
                continue
            south, north = town.vedges.get((i, j - 1)), town.vedges.get((i, j))
            if south is not None and north is not None and not _minor(town, south, north):
                graph.edges.append((node(i, j, 0, -1), node(i, j, 0, 1), south))


def _minor(town: _Town, a: int, b: int) -> bool:
    """Lanes and driveways meet a dual carriageway without crossing its median."""
    return any(
        town.streets[s].highway in LANE_CLASSES or town.streets[s].name is None for s in (a, b)
    )


def _clip(graph: _Graph, frame: _Frame) -> None:
    """Cut the town at the box, as an extract is cut: streets end on its edge."""
    lo = (BORDER_M, BORDER_M)
    hi = (frame.width - BORDER_M, frame.height - BORDER_M)

    def inside(p: Point) -> bool:
        return lo[0] <= p[0] <= hi[0] and lo[1] <= p[1] <= hi[1]

    def cut(a: Point, b: Point) -> Point:
        t = 1.0
        for k in (0, 1):
            if b[k] < lo[k]:
                t = min(t, (lo[k] - a[k]) / (b[k] - a[k]))
            elif b[k] > hi[k]:
                t = min(t, (hi[k] - a[k]) / (b[k] - a[k]))
        return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))

    kept: list[tuple[int, int, int]] = []
    for u, v, sid in graph.edges:
        in_u, in_v = inside(graph.xy[u]), inside(graph.xy[v])
        if in_u and in_v:
            kept.append((u, v, sid))
        elif in_u:
            kept.append((u, graph.add(cut(graph.xy[u], graph.xy[v])), sid))
        elif in_v:
            kept.append((graph.add(cut(graph.xy[v], graph.xy[u])), v, sid))
    graph.edges = kept


def _largest_component(graph: _Graph) -> None:
    """Keep the largest connected piece: lanes cut at both ends would be unreachable."""
    ids = sorted({n for u, v, _ in graph.edges for n in (u, v)})
    index = {n: k for k, n in enumerate(ids)}
    rows = [index[u] for u, _, _ in graph.edges]
    cols = [index[v] for _, v, _ in graph.edges]
    matrix = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(ids), len(ids)))
    _, labels = connected_components(matrix, directed=False)
    biggest = int(np.bincount(labels).argmax())
    keep = {n for n in ids if labels[index[n]] == biggest}
    graph.edges = [e for e in graph.edges if e[0] in keep]
    graph.xy = {n: p for n, p in graph.xy.items() if n in keep}


def _nearest_on_edges(graph: _Graph, point: Point) -> tuple[int, float, Point]:
    """The edge nearest to ``point``: its index, where along it (0..1), the nearest point."""
    a = np.array([graph.xy[u] for u, _, _ in graph.edges])
    b = np.array([graph.xy[v] for _, v, _ in graph.edges])
    d = b - a
    t = ((point[0] - a[:, 0]) * d[:, 0] + (point[1] - a[:, 1]) * d[:, 1]) / (d**2).sum(axis=1)
    t = t.clip(0, 1)
    near = a + t[:, None] * d
    k = int(((near - point) ** 2).sum(axis=1).argmin())
    return k, float(t[k]), (float(near[k, 0]), float(near[k, 1]))


def _node_on_edge(graph: _Graph, point: Point) -> tuple[int, int]:
    """Where ``point`` meets the network: an end of the nearest edge or a new node; its street."""
    k, t, near = _nearest_on_edges(graph, point)
    u, v, sid = graph.edges[k]
    length = math.dist(graph.xy[u], graph.xy[v])
    if t * length < 3:
        return u, sid
    if (1 - t) * length < 3:
        return v, sid
    on = graph.add(near)
    graph.edges[k : k + 1] = [(u, on, sid), (on, v, sid)]
    return on, sid


def _fill_holes(graph: _Graph, frame: _Frame, streets: list[_Street]) -> None:
    """Add dead-end lanes into the few spots still far from any junction.

    Routing snaps a site to the nearest node of the simplified graph, where only junctions
    and dead ends survive; so every spot of the box gets one within about 120 m.
    """
    spur = {False: len(streets), True: len(streets) + 1}
    streets += [_Street(None, "service", lanes=1), _Street(None, "footway")]
    step = 25.0
    gx, gy = np.meshgrid(
        np.arange(BORDER_M, frame.width, step), np.arange(BORDER_M, frame.height, step)
    )
    samples = np.stack([gx.ravel(), gy.ravel()], axis=1)
    for _ in range(100):
        around: dict[int, set[int]] = defaultdict(set)
        for u, v, _ in graph.edges:
            around[u].add(v)
            around[v].add(u)
        kept = np.array([graph.xy[n] for n in sorted(around) if len(around[n]) != 2])
        far, _ = cKDTree(kept).query(samples)
        holes: list[Point] = []
        for k in np.argsort(-far, kind="stable"):
            if far[k] <= 120:
                break
            spot = (float(samples[k, 0]), float(samples[k, 1]))
            if all(math.dist(spot, h) > 250 for h in holes):
                holes.append(spot)
        if not holes:
            return
        for target in holes:  # one round fills holes far apart, so they do not interfere
            start, sid = _node_on_edge(graph, target)
            x0, y0 = graph.xy[start]
            end = graph.add((x0 + 0.85 * (target[0] - x0), y0 + 0.85 * (target[1] - y0)))
            graph.edges.append((start, end, spur[streets[sid].highway in LANE_CLASSES]))


def _attach_stations(
    graph: _Graph, frame: _Frame, stations: Sequence[Station], streets: list[_Street]
) -> dict[str, int]:
    """Put each station on the network: a node on the nearest street, and a short spur."""
    spur = len(streets)
    streets.append(_Street(None, "service", lanes=1))
    placed: dict[str, int] = {}
    for grid, lat, lon in stations:
        sx, sy = frame.xy(lat, lon)
        on, _ = _node_on_edge(graph, (sx, sy))
        if math.dist(graph.xy[on], (sx, sy)) < 1:
            placed[grid] = on
        else:
            placed[grid] = graph.add((sx, sy))
            graph.edges.append((on, placed[grid], spur))
    return placed


# ------------------------------------------------------------------------------ patrol


def _patrol(
    graph: _Graph, streets: list[_Street], placed: dict[str, int], stations: Sequence[Station]
) -> list[tuple[str, str]]:
    """Each grid's night-patrol streets: named streets near its station, grown connected."""
    ids = sorted(graph.xy)
    index = {n: k for k, n in enumerate(ids)}
    best: dict[tuple[int, int], float] = {}
    for u, v, _ in graph.edges:
        key = (index[u], index[v]) if index[u] < index[v] else (index[v], index[u])
        length = math.dist(graph.xy[u], graph.xy[v])
        best[key] = min(best.get(key, math.inf), length)
    rows = [a for a, _ in best] + [b for _, b in best]
    cols = [b for _, b in best] + [a for a, _ in best]
    weights = list(best.values()) * 2
    matrix = coo_matrix((weights, (rows, cols)), shape=(len(ids), len(ids))).tocsr()
    grids = [g for g, _, _ in stations]
    dist = dijkstra(matrix, indices=[index[placed[g]] for g in grids])
    home = np.array([graph.xy[placed[g]] for g in grids])
    mids = np.array(
        [
            [(graph.xy[u][0] + graph.xy[v][0]) / 2, (graph.xy[u][1] + graph.xy[v][1]) / 2]
            for u, v, _ in graph.edges
        ]
    )
    nearest = ((mids[:, None, :] - home[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)

    def direct(g: int, node: int) -> bool:
        """No river between the station and the node: the walk is not a long detour."""
        return bool(dist[g, index[node]] <= 1.6 * math.dist(home[g], graph.xy[node]) + 200)

    out: list[tuple[str, str]] = []
    for g, grid in enumerate(grids):
        mine: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
        for k, (u, v, sid) in enumerate(graph.edges):
            name = streets[sid].name
            if name and nearest[k] == g and not streets[sid].bridge:
                mine[name].append((u, v, math.dist(graph.xy[u], graph.xy[v])))
        near = {
            name: min(min(dist[g, index[u]], dist[g, index[v]]) for u, v, _ in parts)
            for name, parts in mine.items()
            if all(direct(g, n) for u, v, _ in parts for n in (u, v))
        }
        chosen: list[str] = []
        reach = {placed[grid]} | {v for u, v, _ in graph.edges if u == placed[grid]}
        reach |= {u for u, v, _ in graph.edges if v == placed[grid]}
        total = 0.0
        while len(chosen) < PATROL_MAX_STREETS and (
            len(chosen) < PATROL_MIN_STREETS or total < PATROL_TARGET_M
        ):
            left = [n for n in near if n not in chosen]
            if not left:
                break
            touching = [n for n in left if any(u in reach or v in reach for u, v, _ in mine[n])]
            name = min(touching or left, key=lambda n: (near[n], n))
            chosen.append(name)
            total += sum(length for _, _, length in mine[name])
            reach |= {x for u, v, _ in mine[name] for x in (u, v)}
        out += [(grid, name) for name in chosen]
    return out


# ------------------------------------------------------------------------------ output


def _chains(edges: list[tuple[int, int]], directed: bool) -> Iterator[list[int]]:
    """Edges of one street as node sequences: OSM ways, split where the street branches."""
    out_of: dict[int, list[int]] = defaultdict(list)
    into: dict[int, int] = defaultdict(int)
    for u, v in edges:
        out_of[u].append(v)
        into[v] += 1
        if not directed:
            out_of[v].append(u)
            into[u] += 1
    used: set[tuple[int, int]] = set()

    def free(u: int) -> list[int]:
        return [v for v in out_of[u] if (u, v) not in used]

    def through(n: int) -> bool:
        return len(out_of[n]) == 2 if not directed else len(out_of[n]) == 1 == into[n]

    starts = sorted(n for n in out_of if not through(n)) + sorted(out_of)
    for start in starts:
        while free(start):
            chain = [start]
            while True:
                nxt = free(chain[-1])
                if not nxt:
                    break
                v = min(nxt)
                used.add((chain[-1], v))
                if not directed:
                    used.add((v, chain[-1]))
                chain.append(v)
                if not through(v) or v == start:
                    break
            yield chain


def _osm_xml(bbox: Bbox, frame: _Frame, graph: _Graph, streets: list[_Street]) -> tuple[str, int]:
    """The OSM document and its way count; ids follow sorted coordinates, so they are stable."""
    coords = {n: frame.latlon(*p) for n, p in graph.xy.items()}
    text = {n: (f"{lat:.7f}", f"{lon:.7f}") for n, (lat, lon) in coords.items()}
    order = sorted(graph.xy, key=lambda n: (text[n], n))
    ids = {n: k + 1 for k, n in enumerate(order)}
    per_street: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for u, v, sid in graph.edges:
        per_street[sid].append((ids[u], ids[v]))
    ways: list[tuple[int, str, list[int], _Street]] = []
    for sid, edges in per_street.items():
        street = streets[sid]
        for chain in _chains(sorted(edges), street.oneway):
            ways.append((HIGHWAY_ORDER.index(street.highway), street.name or "", chain, street))
    ways.sort(key=lambda w: (w[0], w[1], w[2]))
    lon0, lat0, lon1, lat1 = bbox
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="planner synth">',
        f'  <bounds minlat="{lat0:.7f}" minlon="{lon0:.7f}" maxlat="{lat1:.7f}" '
        f'maxlon="{lon1:.7f}"/>',
    ]
    for n in order:
        lat, lon = text[n]
        lines.append(f'  <node id="{ids[n]}" lat="{lat}" lon="{lon}" version="1"/>')
    for k, (_, _, chain, street) in enumerate(ways):
        lines.append(f'  <way id="{k + 1}" version="1">')
        lines += [f'    <nd ref="{n}"/>' for n in chain]
        lines += [f"    <tag k={quoteattr(a)} v={quoteattr(b)}/>" for a, b in street.tags()]
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n", len(ways)


# --------------------------------------------------------------------------------- API


def _inside(pos: NDArray[np.float64], frame: _Frame) -> NDArray[np.bool_]:
    x, y = pos[:, :, 0], pos[:, :, 1]
    inside: NDArray[np.bool_] = (
        (x >= BORDER_M) & (x <= frame.width - BORDER_M) & (y >= BORDER_M)
    ) & (y <= frame.height - BORDER_M)
    return inside


def _check(bbox: Bbox, stations: Sequence[Station]) -> None:
    lon0, lat0, lon1, lat1 = bbox
    problems = []
    if not (lon0 < lon1 and lat0 < lat1):
        problems.append(InputProblem("scenario.toml", None, "bbox", f"empty box {bbox}"))
    elif not 0.003 <= min(lon1 - lon0, lat1 - lat0) <= max(lon1 - lon0, lat1 - lat0) <= 0.5:
        problems.append(
            InputProblem(
                "scenario.toml",
                None,
                "bbox",
                f"box {bbox} should be 300 m to 50 km a side to hold a generated town",
            )
        )
    for grid, lat, lon in stations:
        if not (lon0 <= lon <= lon1 and lat0 <= lat <= lat1):
            problems.append(
                InputProblem(
                    "scenario.toml",
                    grid,
                    "station_lat/station_lon",
                    f"station ({lat}, {lon}) lies outside the bbox",
                )
            )
    if problems:
        raise InputError(problems)


def generate_streets(bbox: Bbox, stations: Sequence[Station], seed: int) -> StreetNetwork:
    """A plausible town filling ``bbox``, every station on a street; same seed, same bytes.

    Raises :class:`InputError` when the box is empty or a station lies outside it.
    """
    _check(bbox, stations)
    frame = _Frame.of(bbox)
    rng = np.random.default_rng(seed)
    shape, nx, ny = _make_shape(rng, frame)
    base = shape.lattice(nx, ny)
    town = _Town(rng=rng, nx=nx, ny=ny, inside=_inside(base, frame))
    town.words = {
        zone: [words[int(k)] for k in rng.permutation(len(words))]
        for zone, words in (
            ("village", VILLAGE_WORDS),
            ("residential", TOWN_WORDS),
            ("industrial", WORKS_WORDS),
        )
    }
    flat = base.reshape(-1, 2)
    homes = []
    for _, lat, lon in stations:
        k = int(((flat - frame.xy(lat, lon)) ** 2).sum(axis=1).argmin())
        homes.append(divmod(k, ny))
    shape = _layout(town, shape, homes)
    base = shape.lattice(nx, ny)
    town.inside = _inside(base, frame)
    _plan_blocks(town)
    _arterials(town)
    _footbridge(town)
    major = len(town.streets)
    _fill_blocks(town)
    graph = _materialise(town, _positions(town, base, major))
    _clip(graph, frame)
    _largest_component(graph)
    _fill_holes(graph, frame, town.streets)
    placed = _attach_stations(graph, frame, stations, town.streets)
    patrol = _patrol(graph, town.streets, placed, stations)
    xml, ways = _osm_xml(bbox, frame, graph, town.streets)
    return StreetNetwork(osm_xml=xml, patrol=patrol, nodes=len(graph.xy), ways=ways)


def write_streets(net: StreetNetwork, scenario_dir: Path | str) -> None:
    """Write ``streets.osm.bz2`` and ``patrol.csv`` into a scenario folder, atomically."""
    folder = Path(scenario_dir)
    data = bz2.compress(net.osm_xml.encode("utf-8"), compresslevel=BZ2_LEVEL)
    atomic_write_bytes(folder / STREETS_FILE, data)
    lines = ["grid,street", *(f"{grid},{street}" for grid, street in net.patrol)]
    atomic_write_text(folder / PATROL_FILE, "\n".join(lines) + "\n")
