"""The roster engine: problem → rule catalogue on CP-SAT → solve → report.

The solver defaults live here, apart from ``solve``, so that building the command line
does not import OR-Tools.
"""

DEFAULT_WORKERS = 8
"""CP-SAT search workers. More than the cores: a diverse portfolio (max_lp, core, LNS...)
finds better bounds and solutions on 2 cores than 2 workers do (benchmarks/)."""
STRATEGIES = ("auto", "cpsat", "lns")
DEFAULT_LOOKAHEAD = 1
"""Weeks after a rota that it must leave staffable (``planner roster --lookahead``)."""
