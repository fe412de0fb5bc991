"""The counts of docs/indicators.md as SQL: per-record 0/1 flags against a period, summed per
active unit of the structure (store/structure.py). Every figure query (all units, one unit,
by field, by month) is built from these.

- DOSSIER_COUNTS, FEEDBACK_COUNTS, COUNTS: the names of the counts, in output order.
- IDENTITIES: (left, right...) pairs that must hold for every unit and scope.
- dossier_flags(start, end) / feedback_flags(start, end): SELECT lists of SUMs over `d` / `f`.
- SCOPES, scoped_sql(scopes): the scopes of a row and which active units each sums.
- per_member_sql(start, end): per active unit, every count over the period; needs the
  structure CTEs (it reads `counted_for`).
"""

from __future__ import annotations

from tthc_lib.store.structure import SCOPE_MEMBERS

__all__ = ["CHANNEL_FIGURES", "CHANNEL_UNKNOWN", "CLOSING_ESTIMATED", "CLOSING_FIGURES",
           "CLOSING_UNKNOWN", "COUNTS", "DIGITISATION_FIGURES", "DIGITISATION_UNKNOWN", "FEEDBACK_UNKNOWN",
           "DOSSIER_COUNTS", "FEEDBACK_COUNTS", "IDENTITIES", "SCOPES", "UNDATED",
           "UNKNOWN_COUNTS", "channel_unknown_sum", "dossier_flags", "per_member_sql",
           "scoped_sql"]

DOSSIER_COUNTS = (
    "carried_over", "received_online", "received_offline", "received_in_period",
    "received_total", "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
    "closed_other", "pending_total", "pending_in_time", "pending_overdue",
    "dvc_eligible", "dvc_online", "digitised_on_receipt", "result_digitised",
)
FEEDBACK_COUNTS = (
    "feedback_received", "feedback_on_time", "feedback_late", "feedback_pending",
    "business_feedback_received", "business_feedback_on_time", "business_feedback_late",
    "business_feedback_pending",
)
COUNTS = DOSSIER_COUNTS + FEEDBACK_COUNTS
# Dossiers received in the period whose export had no channel column (channel NULL): where
# any is counted, the figures of CHANNEL_FIGURES are not available ("không có số liệu").
CHANNEL_UNKNOWN = "channel_unknown"
CHANNEL_FIGURES = ("received_online", "received_offline", "dvc_online", "online_rate",
                   "dvc_rate")

# Dossiers resolved whose closing date the export does not give, only their timeliness
# (e-par). Where any is counted before the period's end, the figures of CLOSING_FIGURES —
# what stood open on a date — are not available ("không có số liệu").
UNDATED = "(d.status = 'resolved' AND d.closed_date IS NULL AND d.timeliness IS NOT NULL)"
CLOSING_UNKNOWN = "closing_unknown"
CLOSING_FIGURES = ("carried_over", "received_total", "pending_total", "pending_in_time",
                   "pending_overdue")
# Such a dossier counts as resolved on the earliest date it can have been: its date of
# receipt, or the start of the export's window (closed_from: e-par lists the dossiers resolved
# "Từ ngày … đến ngày …") when that is later. Exact for a period holding the whole window;
# in a shorter period (a month of a quarter's export) it is an estimate, counted here so
# that the report can say so.
EARLIEST_CLOSING = "greatest(d.received_date, coalesce(d.closed_from, d.received_date))"
CLOSING_ESTIMATED = "closing_estimated"
# Dossiers received or closed in the period from an export without the digitisation columns
# (a profile that lacks them: NULL, not "Không"): where any is counted, DIGITISATION_FIGURES
# are not available.
DIGITISATION_UNKNOWN = "digitisation_unknown"
DIGITISATION_FIGURES = ("digitised_on_receipt", "result_digitised", "digitised_on_receipt_rate",
                        "result_digitised_rate")
UNKNOWN_COUNTS = (CHANNEL_UNKNOWN, CLOSING_UNKNOWN, CLOSING_ESTIMATED, DIGITISATION_UNKNOWN)
# 1 on every row when no feedback (PAKN) export was ever loaded into the store: the feedback
# figures are then not known, never "không" (set by indicators/figures.py, not summed).
FEEDBACK_UNKNOWN = "feedback_unknown"


def _undated_in(start: str, end: str) -> str:
    """SQL: dossier `d` is resolved on an unknown date that counts in [start, end]."""
    return f"({UNDATED} AND {EARLIEST_CLOSING} BETWEEN {start} AND {end})"


def _timely(word: str, by_dates: str) -> str:
    """SQL: the dossier's timeliness is `word`, by the export's own word where it gives one,
    else by its closing and due dates."""
    return (f"(CASE WHEN d.timeliness IS NOT NULL THEN d.timeliness = '{word}' "
            f"ELSE coalesce({by_dates}, false) END)")


# (left, right...) : left must equal the sum of the right, for every unit and scope.
IDENTITIES = (
    ("received_total", "resolved_total", "closed_other", "pending_total"),
    ("received_total", "carried_over", "received_in_period"),
    ("received_in_period", "received_online", "received_offline"),
    ("resolved_total", "resolved_early", "resolved_on_time", "resolved_late"),
    ("pending_total", "pending_in_time", "pending_overdue"),
    ("feedback_received", "feedback_on_time", "feedback_late", "feedback_pending"),
    ("business_feedback_received", "business_feedback_on_time", "business_feedback_late",
     "business_feedback_pending"),
)

def dossier_flags(start: str, end: str) -> str:
    """SELECT list of 0/1 flags of one dossier `d` against a period [start, end] (SQL exprs).

    A dossier resolved with its closing date unknown (UNDATED: e-par gives only the days early,
    on time or late) counts as resolved, by its own timeliness, in the period that holds the
    earliest date it can have been resolved on (EARLIEST_CLOSING); it is never carried over
    nor pending (see CLOSING_FIGURES)."""
    rin = f"(d.received_date BETWEEN {start} AND {end})"
    undated_in = _undated_in(start, end)
    counted = (f"((NOT {UNDATED} AND d.received_date < {start} AND (d.closed_date IS NULL "
               f"OR d.closed_date >= {start})) OR {rin} OR {undated_in})")
    resolved = (f"({counted} AND d.status = 'resolved' AND (d.closed_date BETWEEN {start} "
                f"AND {end} OR {undated_in}))")
    pending = f"({counted} AND NOT {UNDATED} AND (d.closed_date IS NULL OR d.closed_date > {end}))"
    flags = {
        "carried_over": f"NOT {UNDATED} AND d.received_date < {start} AND (d.closed_date IS NULL"
                        f" OR d.closed_date >= {start})",
        "received_online": f"{rin} AND d.channel = 'online'",
        "received_offline": f"{rin} AND d.channel IN ('in_person', 'post')",
        "received_in_period": rin,
        "received_total": counted,
        "resolved_total": resolved,
        "resolved_early": f"{resolved} AND {_timely('early', 'd.closed_date < d.due_date')}",
        "resolved_on_time": f"{resolved} AND {_timely('on_time', 'd.closed_date = d.due_date OR d.due_date IS NULL')}",
        "resolved_late": f"{resolved} AND {_timely('late', 'd.closed_date > d.due_date')}",
        "closed_other": f"{counted} AND d.status IN ('withdrawn', 'returned')"
                        f" AND d.closed_date BETWEEN {start} AND {end}",
        "pending_total": pending,
        "pending_in_time": f"{pending} AND (d.status = 'paused' OR d.due_date IS NULL"
                           f" OR d.due_date >= {end})",
        "pending_overdue": f"{pending} AND d.status <> 'paused' AND d.due_date < {end}",
        "dvc_eligible": f"{rin} AND pr.online_service = 'full'",
        "dvc_online": f"{rin} AND pr.online_service = 'full' AND d.channel = 'online'",
        "digitised_on_receipt": f"{rin} AND d.digitised_on_receipt",
        "result_digitised": f"{resolved} AND d.result_digitised",
    }
    return ",\n".join(f"SUM(CASE WHEN {expr} THEN 1 ELSE 0 END)::BIGINT AS {name}"
                      for name, expr in flags.items())


def feedback_flags(start: str, end: str) -> str:
    parts = []
    for prefix, topic in (("feedback", "regulation_or_conduct"),
                          ("business_feedback", "business_regulation")):
        rin = f"f.topic = '{topic}' AND f.received_date BETWEEN {start} AND {end}"
        handled = f"{rin} AND f.handled_date IS NOT NULL AND f.handled_date <= {end}"
        flags = {
            f"{prefix}_received": rin,
            f"{prefix}_on_time": f"{handled} AND f.handled_date <= f.due_date",
            f"{prefix}_late": f"{handled} AND f.handled_date > f.due_date",
            f"{prefix}_pending": f"{rin} AND (f.handled_date IS NULL OR f.handled_date > {end})",
        }
        parts += [f"SUM(CASE WHEN {e} THEN 1 ELSE 0 END)::BIGINT AS {n}" for n, e in flags.items()]
    return ",\n".join(parts)


def channel_unknown_sum(start: str, end: str) -> str:
    """SQL: how many dossiers `d` received in the period have no channel (CHANNEL_UNKNOWN);
    how many received by its end were resolved on an unknown date (CLOSING_UNKNOWN); and how
    many of those it counts as resolved may have been resolved after its end, their window
    reaching past it or not given (CLOSING_ESTIMATED)."""
    return (f"SUM(CASE WHEN d.received_date BETWEEN {start} AND {end} AND d.channel IS NULL "
            f"THEN 1 ELSE 0 END)::BIGINT AS {CHANNEL_UNKNOWN}, "
            f"SUM(CASE WHEN d.received_date <= {end} AND {UNDATED} "
            f"THEN 1 ELSE 0 END)::BIGINT AS {CLOSING_UNKNOWN}, "
            f"SUM(CASE WHEN {_undated_in(start, end)} "
            f"AND (d.closed_to IS NULL OR d.closed_to > {end}) "
            f"THEN 1 ELSE 0 END)::BIGINT AS {CLOSING_ESTIMATED}, "
            f"SUM(CASE WHEN (d.digitised_on_receipt IS NULL OR d.result_digitised IS NULL) AND "
            f"(d.received_date BETWEEN {start} AND {end} OR d.closed_date BETWEEN {start} AND "
            f"{end} OR {_undated_in(start, end)}) "
            f"THEN 1 ELSE 0 END)::BIGINT AS {DIGITISATION_UNKNOWN}")


def per_member_sql(start: str, end: str) -> str:
    """Per active unit (`unit_code`), every count over the period: each table scanned once,
    summed by the record's own unit, then carried to the unit it counts for (counted_for).
    Records of a unit that counts for no unit on the structure date are left out."""
    zero_d = ", ".join(f"0::BIGINT AS {c}" for c in DOSSIER_COUNTS)
    zero_f = ", ".join(f"0::BIGINT AS {c}" for c in FEEDBACK_COUNTS)
    zero_u = ", ".join(f"0::BIGINT AS {c}" for c in UNKNOWN_COUNTS)
    summed = ", ".join(f"SUM(r.{c})::BIGINT AS {c}" for c in (*COUNTS, *UNKNOWN_COUNTS))
    return f"""
    SELECT cf.active_code AS unit_code, {summed} FROM (
        SELECT d.unit_code, {dossier_flags(start, end)}, {zero_f},
               {channel_unknown_sum(start, end)}
        FROM dossiers d LEFT JOIN procedures pr USING (procedure_code)
        -- only records the period can count (closed_at is never before received_at)
        WHERE d.received_date <= {end} AND (d.closed_date IS NULL OR d.closed_date >= {start})
        GROUP BY d.unit_code
        UNION ALL
        SELECT f.unit_code, {zero_d}, {feedback_flags(start, end)}, {zero_u}
        FROM feedback f WHERE f.received_date BETWEEN {start} AND {end} GROUP BY f.unit_code
    ) r JOIN counted_for cf ON cf.unit_code = r.unit_code
    GROUP BY cf.active_code
    """


SCOPES = ("unit", "departments", "districts", "communes", "total")


def scoped_sql(scopes: tuple[str, ...] = SCOPES, empty_communes: bool = True) -> str:
    """(unit, scope, member) for every active unit and each of `scopes`: a unit's own scope is
    itself; the roll-ups are over the units below it, only for a unit with units below it.
    With `empty_communes`, a unit with children but no commune gets a `communes` pair with a
    NULL member (its row of zeros). Needs the structure CTEs."""
    parents = "(SELECT parent_code FROM structure WHERE parent_code IS NOT NULL)"
    parts = []
    for scope in scopes:
        if scope == "unit":
            parts.append("SELECT ancestor, 'unit', descendant FROM closure WHERE depth = 0")
        elif scope == "total":
            parts.append(f"SELECT ancestor, 'total', descendant FROM closure "
                         f"WHERE ancestor IN {parents}")
        else:
            parts.append(f"SELECT c.ancestor, '{scope}', c.descendant FROM closure c "
                         f"JOIN structure m ON m.unit_code = c.descendant "
                         f"WHERE c.depth > 0 AND {SCOPE_MEMBERS[scope]}")
            if scope == "communes" and empty_communes:
                parts.append("SELECT DISTINCT parent_code, 'communes', NULL FROM structure "
                             "WHERE parent_code IS NOT NULL")
    return "\nUNION ALL\n".join(parts)
