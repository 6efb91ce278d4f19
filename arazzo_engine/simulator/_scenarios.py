"""How a simulated run ends, chosen when the simulator starts."""

from __future__ import annotations

import enum

QUEUED, STARTING, RUNNING = 1, 2, 3
SUCCESS, ERROR, CANCELLED = 10, 20, 30

STATUS_HUMANIZED = {
    QUEUED: "Queued",
    STARTING: "Starting",
    RUNNING: "Running",
    SUCCESS: "Success",
    ERROR: "Error",
    CANCELLED: "Cancelled",
}
TERMINAL_STATUSES = frozenset({SUCCESS, ERROR, CANCELLED})

ERROR_STATUS_MESSAGE = (
    "Database Error in model customers (models/customers.sql)\n"
    '  relation "analytics.stg_orders" does not exist\n'
    "  compiled Code at target/run/jaffle_shop/models/customers.sql"
)


class Scenario(str, enum.Enum):
    """The story every run of one simulator tells."""

    SUCCESS = "success"
    ERROR = "error"
    CANCELLED = "cancelled"
    RATE_LIMIT = "rate-limit"
    STUCK = "stuck"
    #: Runs succeed, but the answers drift from the OpenAPI description (see ``_drift``).
    DRIFT = "drift"

    @property
    def terminal_status(self) -> int | None:
        """The status the run ends in; None for a run that never leaves the queue."""
        return _TERMINAL[self]


_TERMINAL: dict[Scenario, int | None] = {
    Scenario.SUCCESS: SUCCESS,
    Scenario.ERROR: ERROR,
    Scenario.CANCELLED: CANCELLED,
    Scenario.RATE_LIMIT: SUCCESS,
    Scenario.STUCK: None,
    Scenario.DRIFT: SUCCESS,
}

SCENARIOS: tuple[str, ...] = tuple(scenario.value for scenario in Scenario)


def lifecycle(scenario: Scenario) -> tuple[int, ...]:
    """The statuses a run passes through, in order."""
    terminal = scenario.terminal_status
    if terminal is None:
        return (QUEUED,)
    return (QUEUED, STARTING, RUNNING, terminal)
