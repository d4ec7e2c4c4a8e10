"""The small family of exceptions the CLI maps to exit codes.

Library code raises these; only ``planner.cli`` turns them into messages and exit codes,
so a caller using planner as a library gets ordinary Python exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with the input, located as precisely as the file format allows."""

    file: str
    row: int | str | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}" if isinstance(self.row, int) else str(self.row))
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}"


class PlannerError(Exception):
    """Base of every error planner reports to a user; carries the CLI exit code."""

    exit_code = 1


class InputError(PlannerError, ValueError):
    """Bad input: every problem names its file, row and column. Exit code 2."""

    exit_code = 2

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InfeasibleError(PlannerError):
    """The rules cannot all hold at once; ``conflicts`` names the rules. Exit code 3."""

    exit_code = 3

    def __init__(self, message: str, conflicts: list[str] | None = None) -> None:
        self.conflicts = list(conflicts or [])
        super().__init__(message)


class NoSolutionError(PlannerError):
    """The time limit ended before any solution was found. Exit code 4."""

    exit_code = 4
