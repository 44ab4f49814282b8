"""Import steps of observer visits, inspections with their verdicts, actions and year summaries."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from audits.models import Action, Checklist, Inspection, InspectionVerdict, ObserverVisit
from plans.models import ResearchTopic
from reports.bundle import schema
from reports.bundle.importer.document import BundleError, _label
from reports.bundle.schema import parse_date, problem_at
from reports.models import YearSummary
from sessions.models import StudySession
from studygroup.models import Person


class AuditSteps:
    """Observer visits, inspections and their verdicts, actions, year summaries."""

    def visit_list(self) -> None:
        items = self.list("visits")
        self.visits = {
            v.code: v
            for v in ObserverVisit.objects.filter(code__in=[i["code"] for i in items]).select_related(
                "organization", "observer__organization", "session__group__organization"
            )
        }
        for index, item in enumerate(items):
            place, session = f"visits[{index}]", self._session(item["session"])
            values = {
                "session": session,
                "observer": self._person(item["observer"]),
                "mode": item.get("mode") or "",
                "is_online": bool(item.get("online")),
                "pre_review_on": parse_date(item.get("pre_review_on")),
                "discussion_focused": item.get("discussion_focused"),
                "summary_deep": item.get("summary_deep"),
                "report": item.get("report") or "",
                "reported_on": parse_date(item.get("reported_on")),
                "rating": item.get("rating") or "",
            }
            record = _label(ObserverVisit(), item["code"])
            current = self.visits.get(item["code"])
            if current is None:
                self._one_visit_per_observer(place, session, values["observer"])
                planner = session.group.organization.parent or session.group.organization
                current = self._create(
                    place,
                    ObserverVisit(code=item["code"], organization=planner, **values),
                    session.group.organization,
                    record,
                )
                self.visits[item["code"]] = current
                written = True
            else:
                written = bool(self._set(place, current, values, lambda v: v.session.group.organization, record))
            if written and self.root is not None and self._inside(session.group.organization):
                self._upper_level_visit(place, current)

    def _one_visit_per_observer(self, place: str, session: StudySession, observer: Person) -> None:
        other = ObserverVisit.objects.filter(session=session, observer=observer).values_list("code", flat=True).first()
        if other is not None:
            raise BundleError(
                [
                    *self.errors,
                    problem_at(
                        place,
                        _("the observer already has the visit %(code)s to this session; an observer visits it once.")
                        % {"code": schema.shown(other)},
                    ),
                ]
            )

    def _upper_level_visit(self, place: str, visit: ObserverVisit) -> None:
        """A visit is the fact of the organization that planned it, made by its observer."""
        if not self._inside(visit.organization) or not self._inside(visit.observer.organization):
            self._refuse(
                place,
                _(
                    "observer visits are recorded by the upper level that planned them (%(owner)s); "
                    "this page does not import them."
                )
                % {"owner": visit.organization.name},
            )

    def inspection_list(self) -> None:
        checklists = {c.code: c for c in Checklist.objects.prefetch_related("items")}
        for index, item in enumerate(self.list("inspections")):
            place, group = f"inspections[{index}]", self._group(item["group"])
            checklist = checklists[item.get("checklist") or schema.DEFAULT_CHECKLIST]
            values = {
                "inspector": self._person(item["inspector"]),
                "on": parse_date(item["on"]),
                "comment": item.get("comment") or "",
            }
            record = _label(Inspection(), f"{group.code} {item['year']} {checklist.code}")
            inspection = (
                Inspection.objects.filter(group=group, year=item["year"], checklist=checklist)
                .select_related("inspector__organization")
                .first()
            )
            if inspection is None:
                inspection = self._create(
                    place,
                    Inspection(group=group, year=item["year"], checklist=checklist, **values),
                    group.organization,
                    record,
                )
                written = True
            else:
                written = bool(
                    self._set(place, inspection, values, lambda _inspection, owner=group.organization: owner, record)
                )
            self.inspections[(item["group"], item["year"])] = inspection
            written = self._verdicts(place, inspection, checklist, item.get("verdicts") or {}, record) or written
            if written and self.root is not None and self._inside(group.organization):
                self._upper_level_inspection(place, inspection)

    def _verdicts(self, place, inspection: Inspection, checklist: Checklist, verdicts: dict, record: str) -> bool:
        items = {i.code: i for i in checklist.items.all()}
        rows = {v.item_id: v for v in InspectionVerdict.objects.filter(inspection=inspection)}
        written = False
        for code, verdict in verdicts.items():
            row = rows.get(items[code].pk)
            owner = inspection.group.organization
            if row is None:
                self._create(
                    f"{place}.verdicts.{code}",
                    InspectionVerdict(inspection=inspection, item=items[code], verdict=verdict),
                    owner,
                    record,
                )
                written = True
            else:
                written = (
                    bool(
                        self._set(
                            f"{place}.verdicts.{code}",
                            row,
                            {"verdict": verdict},
                            lambda _verdict, owner=owner: owner,
                            record,
                        )
                    )
                    or written
                )
        return written

    def _upper_level_inspection(self, place: str, inspection: Inspection) -> None:
        """Inspections are made by an upper level: the inspector's organization is above the group's."""
        inspector = inspection.inspector.organization
        group = inspection.group.organization
        if not self._inside(inspector) or not group.is_within(inspector, strictly=True):
            self._refuse(
                place,
                _("inspections and their verdicts are recorded by the upper level; this page does not import them."),
            )

    def actions(self) -> None:
        items = self.list("actions")
        existing = {
            a.code: a
            for a in Action.objects.filter(code__in=[i["code"] for i in items]).select_related(
                "group__organization", "owner__organization"
            )
        }
        for index, item in enumerate(items):
            place = f"actions[{index}]"
            values = self._action_values(place, item)
            record = _label(Action(), item["code"])
            current = existing.get(item["code"])
            if current is None:
                current = self._create(place, Action(code=item["code"], **values), values["group"].organization, record)
                written = True
            else:
                written = bool(self._set(place, current, values, lambda a: a.group.organization, record))
            if written and self.root is not None:
                self._person_inside(f"{place}.owner", current.owner)
                self._raised_here(place, current)

    def _action_values(self, place: str, item: dict) -> dict:
        source = item.get("source") or {}
        visit = research = inspection = session = None
        if "visit" in source:
            visit = self.visits.get(source["visit"]) or ObserverVisit.objects.select_related(
                "organization", "session__group__organization"
            ).get(code=source["visit"])
            group = visit.session.group
        elif "research" in source:
            research = self.research.get(source["research"]) or ResearchTopic.objects.select_related(
                "group__organization"
            ).get(code=source["research"])
            group = research.group
        elif "session" in source:
            session = self._session(source["session"])
            group = session.group
        elif "inspection" in source:
            target = source["inspection"]
            group = self._group(target["group"])
            inspection = (
                self.inspections.get((target["group"], target["year"]))
                or Inspection.objects.filter(group=group, year=target["year"]).first()
            )
            if inspection is None:
                raise BundleError(
                    [*self.errors, problem_at(f"{place}.source.inspection", _("no inspection of that group and year."))]
                )
        else:
            group = self._nearest_group(self._person(item["owner"]).organization)
            if group is None:
                raise BundleError(
                    [
                        *self.errors,
                        problem_at(f"{place}.owner", _("no study group at or above this person's organization.")),
                    ]
                )
        raised_on = parse_date(item["raised_on"])
        return {
            "group": group,
            "visit": visit,
            "research": research,
            "inspection": inspection,
            "session": session,
            "problem": item["problem"],
            "measure": item.get("measure") or "",
            "raised_on": raised_on,
            "owner": self._person(item["owner"]),
            # An action without a deadline is due by the end of the year it was raised in.
            "due_on": parse_date(item.get("due_on")) or datetime.date(raised_on.year, 12, 31),
            "status": item["status"],
            "done_on": parse_date(item.get("done_on")),
        }

    def _raised_here(self, place: str, action: Action) -> None:
        """An action raised by an upper level's visit or inspection is that level's, not the page's."""
        upper = (action.visit is not None and not self._inside(action.visit.organization)) or (
            action.inspection is not None and not self._inside(action.inspection.inspector.organization)
        )
        if upper:
            self._refuse(
                place,
                _("this action was raised by an upper level's visit or inspection; this page does not import it."),
            )

    def summaries(self) -> None:
        for index, item in enumerate(self.list("summaries")):
            place, group = f"summaries[{index}]", self._group(item["group"])
            record = _label(YearSummary(), f"{group.code} {item['year']}")
            current = YearSummary.objects.filter(group=group, year=item["year"]).first()
            if current is None:
                self._create(
                    place,
                    YearSummary(group=group, year=item["year"], text=item["text"], is_final=True),
                    group.organization,
                    record,
                )
            else:
                self._set(
                    place,
                    current,
                    {"text": item["text"], "is_final": True},
                    lambda _summary, owner=group.organization: owner,
                    record,
                )
