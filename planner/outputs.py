"""Writing an output folder atomically: everything appears at once, or nothing changes."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from planner._errors import InputError, InputProblem


def check_folder(out: Path, marker: str) -> Path:
    """``out`` resolved, when :func:`write_folder` may replace it; else the InputError.

    ``out`` may be missing, empty, or an earlier output of the same command (recognised by
    the file ``marker`` in it); a folder holding anything else is refused, so a mistyped
    ``--out`` never wipes someone's files. Commands call it before a long solve too.
    """
    given = str(out)
    out = Path(out).resolve()
    if out == Path.cwd().resolve() or out in Path.cwd().resolve().parents:
        # replacing it would pull the folder from under the shell that runs the command
        why = "is the current folder (or holds it); give a folder inside it"
        raise InputError([InputProblem(given or "--out ''", None, None, why)])
    if out.exists() and not out.is_dir():
        raise InputError([InputProblem(str(out), None, None, "is a file, not a folder")])
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        why = f"cannot be made: {parent} is a file, not a folder"
        raise InputError([InputProblem(str(out), None, None, why)])
    if not os.access(parent, os.W_OK | os.X_OK):
        why = f"cannot be written: {parent} does not let this user make folders in it"
        raise InputError([InputProblem(str(out), None, None, why)])
    if out.is_dir() and any(out.iterdir()) and not (out / marker).is_file():
        raise InputError(
            [
                InputProblem(
                    str(out),
                    None,
                    None,
                    f"folder holds other files; give a new folder or an earlier output "
                    f"(one with {marker})",
                )
            ]
        )
    return out


def write_folder(out: Path, marker: str, fill: Callable[[Path], None]) -> None:
    """Fill a staging folder with ``fill`` and rename it to ``out`` (see
    :func:`check_folder` for which ``out`` it accepts). A failure leaves ``out`` as it was.
    """
    out = check_folder(out, marker)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    retired: Path | None = None
    try:
        fill(staging)
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # mkdtemp makes 0700; outputs are for everyone
        if out.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.rename(retired / out.name)
            staging.rename(out)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if retired is not None:  # the earlier output goes back; nothing of ours is left
            if (retired / out.name).exists() and not out.exists():
                (retired / out.name).rename(out)
            if not (retired / out.name).exists():  # never delete the earlier output
                shutil.rmtree(retired, ignore_errors=True)
        raise
