"""An output folder is replaced whole or not at all, and a failure leaves nothing behind.

The failures are made by refusing a rename (as a read-only earlier output does for a
user who may not move it): the earlier output must stay where and as it was, and no
staging or retired folder may be left beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.outputs import write_folder


def earlier(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    (out / "rota.json").write_text("earlier", encoding="utf-8")
    return out


def fill(staging: Path) -> None:
    (staging / "rota.json").write_text("new", encoding="utf-8")


def refuse_rename(monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    """The ``nth`` rename (1: the earlier output moved aside, 2: the new one moved in)
    fails as a read-only folder makes it fail."""
    real = Path.rename
    calls = []

    def rename(self: Path, target: Path) -> Path:
        calls.append(self)
        if len(calls) == nth:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)


@pytest.mark.parametrize("nth", [1, 2])
def test_a_failed_replacement_leaves_the_earlier_output_alone(tmp_path, monkeypatch, nth):
    out = earlier(tmp_path)
    refuse_rename(monkeypatch, nth)
    with pytest.raises(PermissionError):
        write_folder(out, "rota.json", fill)
    assert (out / "rota.json").read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_replacement_leaves_only_the_new_output(tmp_path):
    out = earlier(tmp_path)
    write_folder(out, "rota.json", fill)
    assert (out / "rota.json").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
