"""CP-SAT's solver as every part of the roster engine makes it: stopped by Ctrl-C."""

from __future__ import annotations

from ortools.sat.python import cp_model

from planner.interrupt import stoppable


def cpsat_seed(seed: int) -> int:
    """``seed`` as CP-SAT's 32-bit signed ``random_seed`` takes it: the CLI accepts seeds
    up to 2^32 - 1 (PyVRP's range), and the engine adds to them (one per LNS step)."""
    return seed % 2**31


class CpSolver(cp_model.CpSolver):
    """CP-SAT's solver, leaving Ctrl-C to Python and stopped by it (see planner.interrupt)."""

    def __init__(self) -> None:
        super().__init__()
        self.parameters.catch_sigint_signal = False

    def solve(
        self,
        model: cp_model.CpModel,
        solution_callback: cp_model.CpSolverSolutionCallback | None = None,
    ) -> cp_model.CpSolverStatus:
        with stoppable(self.stop_search):
            return super().solve(model, solution_callback)
