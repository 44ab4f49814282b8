from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Digests and summaries")

    def ready(self) -> None:
        from audits import hooks as audit_hooks
        from reports import home_panels  # noqa: F401 - registers the navigation and panels
        from reports.models import YearSummary

        # Audits sit below reports: 有总结 reads the year summaries through this hook (audits/hooks.py).
        audit_hooks.final_year_summaries.register(YearSummary.objects.final)
