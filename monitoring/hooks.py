"""What monitoring adds to geo's own work, in geo's transaction (the entry-point groups of geo/cli.py): an import's
monitored households become cases; the demo's checks raise their signals. The demo's cases: monitoring/demo.py."""
from __future__ import annotations


def imported(cur, layers: set[str]) -> dict[str, int]:
    """After any import (the group `dixian.imported`): households imported with a monitored category become cases
    (historical where eliminated) when they have none; set-based, in the import's transaction."""
    if "households" not in layers:
        return {}
    cur.execute("SELECT mon_import_cases()")
    return {"mon_cases": cur.fetchone()[0]}


def checked(cur) -> list[str]:
    """After the demo's checks (the group `dixian.checked`): the signals the results, the houses and the departments'
    alerts raise."""
    cur.execute("SELECT mon_raise_signals(NULL)")
    return [f"monitoring signals raised: {cur.fetchone()[0]:,}"]
