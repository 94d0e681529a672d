"""What the members' room adds to geo's work (entry-point group `dixian.checked`): after the demo's checks, the
guarantees per person with the default rule set, stored, in the same transaction."""
from __future__ import annotations


def checked(cur) -> list[str]:
    from geo.checks import guarantees
    rules = guarantees.load_guarantees(cur.connection)
    run = guarantees.check_guarantees(cur.connection, rules)
    county = run.rollup[run.rollup.level == "county"]
    share = county.employment_share.iloc[0] if len(county) else None
    per = run.rows.rule.value_counts()
    parts = ", ".join(f"{r} {int(per.get(r, 0)):,}" for r in guarantees.RULES)
    tail = f"; relocated households with labour employed {share:.1%}" if share is not None and share == share else ""
    return [f"guarantees {rules.label}: {len(run.rows):,} failures ({parts}){tail}"]
