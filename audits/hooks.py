"""What the audits checklists need of the apps above them (ARCHITECTURE.md, "Apps and their order").

The year summaries that 有总结 (八有 and 七有 ``summary``) reads are kept by the reports app, above audits. It
fills this hook from ``ReportsConfig.ready``:

* ``final_year_summaries()``: the year summaries saved as the summary, a queryset with ``group`` and ``year``
  (``YearSummary.objects.final``). Without the reports app it answers ``None``: no group has one.
"""

from __future__ import annotations

from studygroup.hooks import Hook

final_year_summaries = Hook("audits.final_year_summaries", default=lambda: None)
