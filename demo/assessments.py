"""Demo records of the assessments app: the city's question bank, 清河县's first round of 党史知识测试 (a random
draw of 20% of its towns' groups, marked and published two months ago), and the city's test on the Party's new
theory, open now, that every member of 城关镇 (member.chengguan among them) is called to sit.

Written directly and in bulk, with no notices sent (as the rest of the demo): running it again changes nothing.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from assessments import draw, paper, scoring
from assessments.models import (
    Answer,
    KnowledgeTest,
    Question,
    QuestionBank,
    QuestionVersion,
    Sitting,
    SittingDraw,
    Tag,
    TestPart,
    TestQuestion,
)
from studygroup.models import Membership, Organization, StudyGroup, User

# (type, stem, options, answer, explanation, difficulty, tag)
QUESTIONS = [
    (
        "single",
        "中国共产党第一次全国代表大会于哪一年召开?",
        ["1919年", "1921年", "1927年", "1935年"],
        "B",
        "1921年7月,中共一大在上海召开,最后一天转移到浙江嘉兴南湖的游船上举行。",
        1,
        "党史",
    ),
    (
        "single",
        "遵义会议召开于哪一年?",
        ["1934年", "1935年", "1936年", "1937年"],
        "B",
        "1935年1月召开的遵义会议是党的历史上一个生死攸关的转折点。",
        1,
        "党史",
    ),
    (
        "single",
        "党的七大确立为党的指导思想的是?",
        ["马克思列宁主义", "毛泽东思想", "邓小平理论", "三个代表"],
        "B",
        "1945年党的七大把毛泽东思想确立为党的指导思想并写入党章。",
        2,
        "党史",
    ),
    (
        "single",
        "十一届三中全会召开于哪一年?",
        ["1976年", "1977年", "1978年", "1979年"],
        "C",
        "1978年12月召开的党的十一届三中全会,实现了新中国成立以来党的历史上具有深远意义的伟大转折。",
        1,
        "党史",
    ),
    (
        "single",
        "新时代党的创新理论是?",
        ["邓小平理论", "“三个代表”重要思想", "科学发展观", "习近平新时代中国特色社会主义思想"],
        "D",
        "习近平新时代中国特色社会主义思想是当代中国马克思主义、二十一世纪马克思主义。",
        1,
        "党的创新理论",
    ),
    (
        "single",
        "“两个确立”中,确立的是习近平同志党中央的核心、全党的核心地位和什么的指导地位?",
        ["马克思主义", "习近平新时代中国特色社会主义思想", "中国特色社会主义理论体系", "党的基本路线"],
        "B",
        "“两个确立”是党在新时代取得的重大政治成果。",
        2,
        "党的创新理论",
    ),
    (
        "single",
        "“四个意识”不包括下列哪一项?",
        ["政治意识", "大局意识", "核心意识", "创新意识"],
        "D",
        "“四个意识”是政治意识、大局意识、核心意识、看齐意识。",
        2,
        "党的创新理论",
    ),
    (
        "single",
        "中国式现代化是什么样的现代化?",
        ["人口规模巨大的现代化", "少数人富裕的现代化", "物质至上的现代化", "对外扩张的现代化"],
        "A",
        "中国式现代化是人口规模巨大、全体人民共同富裕、物质文明和精神文明相协调、人与自然和谐共生、走和平发展道路的现代化。",
        2,
        "党的创新理论",
    ),
    (
        "multiple",
        "“四个自信”包括?",
        ["道路自信", "理论自信", "制度自信", "文化自信"],
        ["A", "B", "C", "D"],
        "“四个自信”即中国特色社会主义道路自信、理论自信、制度自信、文化自信。",
        2,
        "党的创新理论",
    ),
    (
        "true_false",
        "理论学习中心组学习每年集中学习研讨一般不少于12次。",
        [],
        True,
        "按照《中国共产党党委(党组)理论学习中心组学习规则》要求。",
        1,
        "学习制度",
    ),
    (
        "true_false",
        "中心组成员因故缺席集体学习的,可以不再补学。",
        [],
        False,
        "缺席的应当及时补学,并向中心组报告补学情况。",
        1,
        "学习制度",
    ),
    ("true_false", "中国共产党的根本宗旨是全心全意为人民服务。", [], True, "党章总纲明确规定。", 1, "党章"),
    (
        "true_false",
        "党的纪律处分只有警告和严重警告两种。",
        [],
        False,
        "党的纪律处分有警告、严重警告、撤销党内职务、留党察看、开除党籍五种。",
        2,
        "党章",
    ),
    ("fill", "党的根本宗旨是全心全意为____服务。", [], ["人民", "人民群众"], "党章总纲。", 1, "党章"),
    (
        "fill",
        "中国共产党第一次全国代表大会最后一天在浙江嘉兴____的游船上举行。",
        [],
        ["南湖"],
        "嘉兴南湖红船。",
        1,
        "党史",
    ),
    (
        "short",
        "结合本职工作,谈谈如何做到学思用贯通、知信行统一。",
        [],
        "能联系实际谈认识、有具体举措即可。",
        "",
        3,
        "党的创新理论",
    ),
]
BANK = ("lj", "临江市理论学习题库")
PAST = ("demo-k1", "lj-qh", "党史知识测试(第一轮)")  # 清河县, two months ago
OPEN = ("demo-k2", "lj", "党的创新理论学习测试")  # the city, open now
# Parts of the past test and of the open one: (type, tag, count, points).
PAST_PARTS = [("single", "党史", 4, 10), ("true_false", "", 4, 5), ("fill", "", 2, 10), ("short", "", 1, 20)]
OPEN_PARTS = [
    ("single", "党的创新理论", 4, 10),
    ("multiple", "", 1, 10),
    ("true_false", "", 3, 10),
    ("short", "", 1, 20),
]
RIGHT = 0.78  # how often a demo person answers an objective question right


def _bank() -> QuestionBank:
    city = Organization.objects.get(code=BANK[0])
    bank, created = QuestionBank.objects.get_or_create(organization=city, name=BANK[1])
    if not created:
        return bank
    tags = {name: Tag.objects.get_or_create(organization=city, name=name)[0] for name in {q[6] for q in QUESTIONS}}
    questions = Question.objects.bulk_create([Question(bank=bank) for _q in QUESTIONS])
    versions = QuestionVersion.objects.bulk_create(
        QuestionVersion(
            question=question,
            number=1,
            kind=kind,
            text=text,
            options=options,
            answer=answer,
            explanation=explanation,
            difficulty=difficulty,
        )
        for question, (kind, text, options, answer, explanation, difficulty, _tag) in zip(
            questions, QUESTIONS, strict=True
        )
    )
    for question, version in zip(questions, versions, strict=True):
        question.current = version
    Question.objects.bulk_update(questions, ["current"])
    Question.tags.through.objects.bulk_create(
        Question.tags.through(question_id=q.pk, tag_id=tags[item[6]].pk)
        for q, item in zip(questions, QUESTIONS, strict=True)
    )
    return bank


def _test(code, organization_code, title, *, bank, parts, opens, closes, status, time_limit) -> KnowledgeTest:
    organization = Organization.objects.get(code=organization_code)
    staff = User.objects.filter(person__grants__organization=organization, person__grants__role="staff").first()
    test = KnowledgeTest.objects.create(
        code=code,
        organization=organization,
        title=title,
        opens_at=opens,
        closes_at=closes,
        held_on=timezone.localtime(opens).date(),
        time_limit=time_limit,
        max_score=100,
        pass_mark=60,
        status=status,
        seed=code,
        created_by=staff,
        published_at=opens - datetime.timedelta(days=2),
    )
    tags = {t.name: t for t in Tag.objects.filter(organization=bank.organization)}
    made = TestPart.objects.bulk_create(
        TestPart(test=test, order=index, bank=bank, kind=kind, tag=tags.get(tag), count=count, points=points)
        for index, (kind, tag, count, points) in enumerate(parts, start=1)
    )
    candidates = {}
    for question in bank.questions.select_related("current").prefetch_related("tags"):
        candidates.setdefault(question.current.kind, []).append(
            (question.current_id, {t.name for t in question.tags.all()})
        )
    inputs = {
        "parts": [
            {
                "part": part.pk,
                "points": part.points,
                "count": part.count,
                "fixed": None,
                "candidates": sorted(
                    v for v, names in candidates.get(part.kind, []) if not part.tag_id or part.tag.name in names
                ),
            }
            for part in made
        ]
    }
    TestQuestion.objects.bulk_create(
        TestQuestion(test=test, part_id=part_id, version_id=version_id, number=number, points=points)
        for number, (part_id, version_id, points) in enumerate(paper.run(test.seed, inputs), start=1)
    )
    test.paper_inputs = inputs
    test.save(update_fields=["paper_inputs"])
    return test


def _call(test: KnowledgeTest, groups: list[StudyGroup], mode: str, amount: int | None) -> list[Sitting]:
    seats = Membership.objects.filter(group__in=groups, end_on__isnull=True).exclude(
        person_id__in=test.sittings.values("person_id")
    )
    inputs = {
        "candidates": draw.candidates(seats.values_list("person_id", "group_id")),
        "mode": mode,
        "amount": amount,
        "roles": [],
    }
    result = draw.run(test.seed, inputs)
    record = SittingDraw.objects.create(
        test=test, mode=mode, amount=amount, seed=test.seed, inputs=inputs, result=result, by=test.created_by
    )
    return Sitting.objects.bulk_create(
        Sitting(test=test, person_id=person, group_id=group, draw=record, seed=f"{test.seed}:{person}")
        for person, group in result
    )


def _sat(test: KnowledgeTest, sittings: list[Sitting], rng: random.Random) -> None:
    """Everyone called but one sat the test; objective answers right about four times in five (a blank with any
    of its accepted answers), short answers marked 10 to 18 of 20 by the county's staff."""
    questions = list(test.questions.select_related("version").order_by("number"))
    answers = []
    for index, sitting in enumerate(sittings):
        if index == len(sittings) - 1:
            continue  # drawn, did not sit
        started = test.opens_at + datetime.timedelta(minutes=rng.randint(0, 60))
        sitting.started_at, sitting.deadline = started, started + datetime.timedelta(minutes=test.time_limit)
        sitting.submitted_at = started + datetime.timedelta(minutes=rng.randint(12, test.time_limit - 1))
        total = 0
        for question in questions:
            version = question.version
            if version.kind == "short":
                response, points = "结合分管工作,把学习成果转化为推动发展的具体举措。", rng.randint(10, 18)
            else:
                right = rng.random() < RIGHT
                response = _right(version, rng) if right else _wrong(version, rng)
                points = scoring.objective_points(version.kind, version.answer, response, question.points)
            total += points
            answers.append(
                Answer(
                    sitting=sitting,
                    question=question,
                    response=response,
                    points=points,
                    saved_at=sitting.submitted_at,
                    marked_by=test.created_by if version.kind == "short" else None,
                    marked_at=test.closes_at if version.kind == "short" else None,
                )
            )
        sitting.score = total
    Sitting.objects.bulk_update(sittings, ["started_at", "deadline", "submitted_at", "score"])
    Answer.objects.bulk_create(answers)


def _right(version: QuestionVersion, rng: random.Random):
    """A right response as a sitting stores it: a blank holds one of its accepted answers, as a text."""
    if version.kind == "fill":
        return rng.choice(version.answer)
    return version.answer


def _wrong(version: QuestionVersion, rng: random.Random):
    if version.kind == "true_false":
        return not version.answer
    if version.kind == "fill":
        return "群众利益"
    letters = [chr(65 + i) for i in range(len(version.options))]
    if version.kind == "single":
        return rng.choice([letter for letter in letters if letter != version.answer])
    return sorted(rng.sample(letters, 2))


def seed_tests() -> None:
    """The demo's question bank and two tests (see the module's docstring); once only."""
    if KnowledgeTest.objects.filter(code__in=[PAST[0], OPEN[0]]).exists():
        return
    bank = _bank()
    now = timezone.now()
    rng = random.Random("demo-tests")
    opened = timezone.localtime(now - datetime.timedelta(days=61)).replace(hour=9, minute=0, second=0, microsecond=0)
    past = _test(
        *PAST,
        bank=bank,
        parts=PAST_PARTS,
        opens=opened,
        closes=opened + datetime.timedelta(hours=3),
        status=KnowledgeTest.Status.RESULTS,
        time_limit=30,
    )
    towns = list(StudyGroup.objects.filter(organization__parent__code="lj-qh").order_by("organization__path"))
    _sat(past, _call(past, towns, SittingDraw.Mode.PERCENT, 20), rng)
    past.results_published_at = past.closes_at + datetime.timedelta(days=2)
    past.save(update_fields=["results_published_at"])
    start = timezone.localtime(now - datetime.timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    current = _test(
        *OPEN,
        bank=bank,
        parts=OPEN_PARTS,
        opens=start,
        closes=start + datetime.timedelta(days=6),
        status=KnowledgeTest.Status.PUBLISHED,
        time_limit=30,
    )
    _call(current, list(StudyGroup.objects.filter(organization__code="lj-qh-cg")), SittingDraw.Mode.ALL, None)
