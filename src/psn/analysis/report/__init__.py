"""The reproduction report's rows: every number the paper publishes beside ours, with a verdict.

A :class:`Claim` is one published number (from :mod:`psn.analysis.published`, the one place the
paper's values live): where it is, what it is, its value as printed, and how it is judged. An
:class:`Ours` is our measurement of it, with the settings it was measured at. Each
:class:`Section` (a table or an experiment, :data:`SECTIONS`) owns its claims and the function
that measures them, both naming a claim by :func:`claim_id`. :func:`claims` lists every claim
whether or not we ran it; :func:`measure` finds ours in the pipeline's own tables (read and
checked by :func:`read_results`); :func:`report_table` joins them and gives each row its verdict
by :data:`VERDICT_RULE`. A measurement no claim has is an error, never a silent "not run".

Modules: ``core`` (claims, verdicts, the table), ``judging`` (settings, seeds, members),
``inputs`` (the tables read), ``mask_sections``, ``static_sections``, ``cross_sections``,
``dst_sections`` (the sections), ``sections`` (their order).
"""

from psn.analysis.report.core import (DIFFERS, KINDS, NOT_RUN, OTHER_SETTINGS, REPORT_COLUMNS, REPRODUCED,
                                      VERDICT_RULE, VERDICTS, Claim, Ours, Results, Section, Settings, claim_id,
                                      merge_measurements, report_table, tolerance, unclaimed, verdict,
                                      verdict_counts)
from psn.analysis.report.inputs import (INCLUDED_TABLES, REPORT_TABLES, TABLE_NEEDS, ReportTable, check_table,
                                        figure_inputs, read_results, read_table)
from psn.analysis.report.judging import FIGURE2C_KEYS, MULTIPEAK_CONFIGURATIONS, TABLE6_SPARSE_KEYS, settings_of
from psn.analysis.report.sections import SECTIONS, claims, measure

__all__ = ["DIFFERS", "KINDS", "NOT_RUN", "OTHER_SETTINGS", "REPORT_COLUMNS", "REPRODUCED", "VERDICT_RULE",
           "VERDICTS", "Claim", "Ours", "Results", "Section", "Settings", "claim_id", "merge_measurements",
           "report_table", "tolerance", "unclaimed", "verdict", "verdict_counts", "INCLUDED_TABLES",
           "REPORT_TABLES", "TABLE_NEEDS", "ReportTable", "check_table", "figure_inputs", "read_results",
           "read_table", "FIGURE2C_KEYS", "MULTIPEAK_CONFIGURATIONS", "TABLE6_SPARSE_KEYS", "settings_of",
           "SECTIONS", "claims", "measure"]
