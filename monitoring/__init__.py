"""Monitored households (防返贫动态监测和帮扶): each case from identification to risk elimination, its two review chains
kept in the database, support measures, public notices, signals that propose cases, spot checks, the monthly report
and the ledger."""
