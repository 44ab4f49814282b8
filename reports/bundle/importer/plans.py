"""Import steps of plans with their topics, research topics with their reports, and lectures."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from plans.models import PlanMonth, PlanTopic, ResearchReport, ResearchTopic, StudyPlan
from reports import extensions
from reports.bundle.importer.document import BundleError, _label
from reports.bundle.schema import items_of, parse_date, problem_at
from sessions.models import Lecture
from studygroup.models import Organization, Person, StudyGroup


class PlanSteps:
    """Plans and their topics, research topics and their reports, lectures."""

    def plans(self) -> None:
        for index, item in enumerate(self.list("plans")):
            place, group = f"plans[{index}]", self._group(item["group"])
            record = _label(StudyPlan(), f"{group.code} {item['year']}")
            values = {"main_line": item.get("main_line") or "", "status": item["status"]}
            plan = StudyPlan.objects.filter(group=group, year=item["year"]).first()
            if plan is None:
                plan = self._create(
                    place, StudyPlan(group=group, year=item["year"], **values), group.organization, record
                )
                PlanMonth.objects.bulk_create(PlanMonth(plan=plan, month=m) for m in range(1, 13))
                approval = plan.status == StudyPlan.Status.APPROVED
            else:
                changed = self._set(place, plan, values, lambda _plan, owner=group.organization: owner, record)
                approval = StudyPlan.Status.APPROVED in changed.get("status", ())
            if approval and self.root is not None:
                self._refuse(
                    f"{place}.status",
                    _("only the group leader approves a plan; this page does not import an approval."),
                )
            self._topics(place, plan, items_of(item.get("topics")))
            extensions.write_plan_fields(self, place, plan, item)

    def _topics(self, place: str, plan: StudyPlan, topics: list[dict]) -> None:
        existing = {
            t.code: t
            for t in PlanTopic.objects.filter(code__in=[t["code"] for t in topics]).select_related(
                "plan__group__organization"
            )
        }
        for number, topic in enumerate(topics):
            where = f"{place}.topics[{number}]"
            values = {
                "plan": plan,
                "month": topic["month"],
                "title": topic["title"],
                "source": topic["source"],
                "lead": self._person(topic.get("lead")),
                "is_supplementary": bool(topic.get("supplementary")),
            }
            record = _label(PlanTopic(), f"{topic['code']} {topic['title']}")
            current = existing.get(topic["code"])
            if current is None:
                current = self._create(where, PlanTopic(code=topic["code"], **values), plan.group.organization, record)
            else:
                self._set(where, current, values, lambda t: t.plan.group.organization, record)
            self.topics[topic["code"]] = current

    def _topic(self, code: str) -> PlanTopic:
        if code not in self.topics:
            self.topics[code] = PlanTopic.objects.select_related("plan__group__organization").get(code=code)
        return self.topics[code]

    def research_list(self) -> None:
        items = self.list("research")
        self.research = {
            r.code: r
            for r in ResearchTopic.objects.filter(code__in=[i["code"] for i in items]).select_related(
                "group__organization", "owner__organization"
            )
        }
        for index, item in enumerate(items):
            place = f"research[{index}]"
            values = {
                "group": self._group(item["group"]),
                "year": item["year"],
                "title": item["title"],
                "owner": self._person(item.get("owner")),
            }
            record = _label(ResearchTopic(), f"{item['code']} {item['title']}")
            current = self.research.get(item["code"])
            if current is None:
                current = self._create(
                    place, ResearchTopic(code=item["code"], **values), values["group"].organization, record
                )
                self.research[item["code"]] = current
                owner_written = current.owner is not None
            else:
                owner_written = "owner" in self._set(place, current, values, lambda r: r.group.organization, record)
            if owner_written and self.root is not None:
                self._person_inside(f"{place}.owner", current.owner)
            self._reports(place, current, items_of(item.get("reports")))

    def _reports(self, place: str, topic: ResearchTopic, reports: list[dict]) -> None:
        existing = set(topic.reports.values_list("title", "submitted_on"))
        for number, report in enumerate(reports):
            # A report without a date counts in its topic's year.
            submitted_on = parse_date(report.get("submitted_on")) or datetime.date(topic.year, 12, 31)
            if (report["title"], submitted_on) in existing:
                continue
            existing.add((report["title"], submitted_on))
            self._create(
                f"{place}.reports[{number}]",
                ResearchReport(
                    topic=topic,
                    title=report["title"],
                    submitted_on=submitted_on,
                    submitted_by=topic.owner or self._any_member(topic.group),
                ),
                topic.group.organization,
                _label(ResearchReport(), report["title"]),
            )

    @staticmethod
    def _any_member(group: StudyGroup) -> Person:
        seat = group.memberships.order_by("id").first()
        return seat.person if seat else Person.objects.filter(organization=group.organization).first()

    def lectures(self) -> None:
        for index, item in enumerate(self.list("lectures")):
            place, person = f"lectures[{index}]", self._person(item["person"])
            group = self._nearest_group(person.organization)
            if group is None:
                raise BundleError(
                    [
                        *self.errors,
                        problem_at(f"{place}.person", _("no study group at or above this person's organization.")),
                    ]
                )
            on = parse_date(item["on"])
            values = {"group": group, "audience": item.get("audience") or 0, "place": item.get("place") or ""}
            record = _label(Lecture(), item["title"])
            current = (
                Lecture.objects.filter(person=person, on=on, title=item["title"])
                .select_related("group__organization")
                .first()
            )
            if current is None:
                self._create(
                    place, Lecture(person=person, on=on, title=item["title"], **values), group.organization, record
                )
                written = True
            else:
                written = bool(self._set(place, current, values, lambda x: x.group.organization, record))
            if written and self.root is not None:
                self._person_inside(f"{place}.person", person)

    def _nearest_group(self, organization: Organization) -> StudyGroup | None:
        """The group of the organization or of its nearest ancestor that has one (looked up once per organization)."""
        cache = self.nearest_groups
        if organization.pk not in cache:
            paths = Organization.ancestor_paths(organization.path, include_self=True)
            cache[organization.pk] = (
                StudyGroup.objects.filter(organization__path__in=paths)
                .select_related("organization")
                .order_by("-organization__depth")
                .first()
            )
        return cache[organization.pk]
