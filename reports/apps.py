from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Digests and summaries")

    def ready(self) -> None:
        from audits import hooks as audit_hooks
        from reports import access_rules, home_panels, import_tasks  # noqa: F401 - rules, navigation, the import job
        from reports.models import YearSummary

        # Audits sit below reports: 有总结 reads the year summaries through this hook (audits/hooks.py).
        audit_hooks.final_year_summaries.register(YearSummary.objects.final)
