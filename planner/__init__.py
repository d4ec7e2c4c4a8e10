"""planner: rosters and routes a community's multi-skilled grid workers."""

__version__ = "0.1.0"
