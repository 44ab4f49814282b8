"""Question banks as XLSX in the columns offices already use: 题型, 题干, 选项A…选项F, 答案, 解析, 难度, 标签.

``read_questions`` turns any file into rows ready to store or into every problem with its row number; it never
raises on bad input. ``parse_question`` is the one reading of a question's fields, shared with the form of the
question page. Written workbooks hold user text as text, never as a formula.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from assessments.models import OPTION_LETTERS, Difficulty, QuestionKind
from assessments.scoring import LONGEST_ANSWER
from studygroup.documents import append_row

OPTION_COLUMNS = [f"选项{letter}" for letter in OPTION_LETTERS]
COLUMNS = ["题型", "题干", *OPTION_COLUMNS, "答案", "解析", "难度", "标签"]
REQUIRED_COLUMNS = ("题型", "题干", "答案")
KIND_NAMES = {
    QuestionKind.SINGLE: "单选题",
    QuestionKind.MULTIPLE: "多选题",
    QuestionKind.TRUE_FALSE: "判断题",
    QuestionKind.FILL: "填空题",
    QuestionKind.SHORT: "简答题",
}
KIND_ALIASES = {
    **{name: kind for kind, name in KIND_NAMES.items()},
    **{name[:-1]: kind for kind, name in KIND_NAMES.items()},
    "是非题": QuestionKind.TRUE_FALSE,
    "问答题": QuestionKind.SHORT,
    "论述题": QuestionKind.SHORT,
}
DIFFICULTY_NAMES = {Difficulty.EASY: "易", Difficulty.MEDIUM: "中", Difficulty.HARD: "难"}
DIFFICULTY_ALIASES = {
    "易": Difficulty.EASY,
    "简单": Difficulty.EASY,
    "容易": Difficulty.EASY,
    "1": Difficulty.EASY,
    "中": Difficulty.MEDIUM,
    "中等": Difficulty.MEDIUM,
    "一般": Difficulty.MEDIUM,
    "2": Difficulty.MEDIUM,
    "难": Difficulty.HARD,
    "困难": Difficulty.HARD,
    "较难": Difficulty.HARD,
    "3": Difficulty.HARD,
}
TRUE_WORDS = {"对", "正确", "是", "√", "✓", "T", "TRUE", "Y"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "X", "F", "FALSE", "N"}
# Several accepted answers of a blank, or several tags, are separated by any of these.
ANSWER_SEPARATORS = re.compile(r"[|｜;；]")
TAG_SEPARATORS = re.compile(r"[、,,;;\s]+")
LONGEST_TEXT = 5000
LONGEST_OPTION = 500
LONGEST_TAG = 50
MOST_ROWS = 5000
MOST_BYTES = 10 * 1024 * 1024
# A workbook whose parts unpack to more than this is refused before it is read (a "zip bomb").
MOST_UNPACKED_BYTES = 100 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class ParsedQuestion:
    """The fields of a question version, and the names of its tags."""

    kind: str
    text: str
    options: list[str]
    answer: object
    explanation: str
    difficulty: int
    tags: list[str] = field(default_factory=list)

    @property
    def version_fields(self) -> dict:
        return {
            "kind": self.kind,
            "text": self.text,
            "options": self.options,
            "answer": self.answer,
            "explanation": self.explanation,
            "difficulty": self.difficulty,
        }


def cell_text(value) -> str:
    """A cell as the text its writer meant: a whole number without ``.0``, TRUE as 对, blanks stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "对" if value else "错"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_question(values: dict[str, str]) -> tuple[ParsedQuestion | None, list[str]]:
    """Read a question from its columns (texts keyed by the column names); return it or the problems."""
    problems: list[str] = []
    kind = KIND_ALIASES.get(values.get("题型", "").replace(" ", ""))
    if kind is None:
        problems.append(
            _("题型 must be one of %(kinds)s, not “%(value)s”.")
            % {"kinds": "、".join(KIND_NAMES.values()), "value": _shown(values.get("题型", ""))}
        )
    text = values.get("题干", "")
    if not text:
        problems.append(_("题干 is empty."))
    elif len(text) > LONGEST_TEXT:
        problems.append(_("题干 is longer than %(count)d characters.") % {"count": LONGEST_TEXT})
    options = _options(values, kind, problems)
    answer = _answer(kind, values.get("答案", ""), options, problems) if kind else None
    explanation = values.get("解析", "")
    if len(explanation) > LONGEST_TEXT:
        problems.append(_("解析 is longer than %(count)d characters.") % {"count": LONGEST_TEXT})
    difficulty = DIFFICULTY_ALIASES.get(values.get("难度", "") or "中")
    if difficulty is None:
        problems.append(_("难度 must be 易, 中 or 难, not “%(value)s”.") % {"value": _shown(values.get("难度", ""))})
    tags = list(dict.fromkeys(t for t in TAG_SEPARATORS.split(values.get("标签", "")) if t))
    if any(len(tag) > LONGEST_TAG for tag in tags):
        problems.append(_("A tag is longer than %(count)d characters.") % {"count": LONGEST_TAG})
    if any(_has_control(v) for v in [text, explanation, *options, *tags]):
        problems.append(_("The row holds a control character."))
    if problems:
        return None, problems
    return ParsedQuestion(kind, text, options, answer, explanation, int(difficulty), tags), []


def _shown(value: str) -> str:
    return value if len(value) <= 20 else value[:20] + "…"


def _has_control(text: str) -> bool:
    return any(ord(char) < 32 and char not in "\t\r\n" for char in text)


def _options(values: dict[str, str], kind, problems: list[str]) -> list[str]:
    given = [values.get(column, "") for column in OPTION_COLUMNS]
    while given and not given[-1]:
        given.pop()
    if kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if given and kind is not None:
            problems.append(_("A %(kind)s has no options; leave 选项A…选项F empty.") % {"kind": KIND_NAMES[kind]})
        return []
    if "" in given:
        problems.append(_("The options must follow one another from 选项A, without a gap."))
    if len(given) < 2:
        problems.append(_("A choice question needs at least two options."))
    if any(len(option) > LONGEST_OPTION for option in given):
        problems.append(_("An option is longer than %(count)d characters.") % {"count": LONGEST_OPTION})
    return given


def _answer(kind: str, raw: str, options: list[str], problems: list[str]):
    if not raw:
        if kind == QuestionKind.SHORT:
            return ""
        problems.append(_("答案 is empty."))
        return None
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        letters = [char for char in raw.upper() if char not in " ,,、;;"]
        present = OPTION_LETTERS[: len(options)]
        if not letters or any(letter not in present for letter in letters) or len(set(letters)) != len(letters):
            problems.append(
                _("答案 must be letters of the options given (%(letters)s), not “%(value)s”.")
                % {"letters": present or "—", "value": _shown(raw)}
            )
            return None
        if kind == QuestionKind.SINGLE and len(letters) != 1:
            problems.append(_("A single choice question has exactly one right option."))
            return None
        if kind == QuestionKind.MULTIPLE and len(letters) < 2:
            problems.append(_("A multiple choice question has at least two right options."))
            return None
        return letters[0] if kind == QuestionKind.SINGLE else sorted(letters)
    if kind == QuestionKind.TRUE_FALSE:
        word = raw.upper()
        if word in TRUE_WORDS or raw in TRUE_WORDS:
            return True
        if word in FALSE_WORDS or raw in FALSE_WORDS:
            return False
        problems.append(_("答案 of a true or false question is 对 or 错, not “%(value)s”.") % {"value": _shown(raw)})
        return None
    if kind == QuestionKind.FILL:
        accepted = list(dict.fromkeys(a.strip() for a in ANSWER_SEPARATORS.split(raw) if a.strip()))
        if not accepted or any(len(a) > LONGEST_ANSWER for a in accepted):
            problems.append(_("答案 of a blank lists its accepted answers separated by |."))
            return None
        return accepted
    if len(raw) > LONGEST_TEXT:
        problems.append(_("答案 is longer than %(count)d characters.") % {"count": LONGEST_TEXT})
        return None
    return raw


def columns_of(parsed: ParsedQuestion) -> list[str]:
    """A question as the row of a workbook (the inverse of ``parse_question``)."""
    options = parsed.options + [""] * (len(OPTION_LETTERS) - len(parsed.options))
    if parsed.kind == QuestionKind.TRUE_FALSE:
        answer = "对" if parsed.answer else "错"
    elif parsed.kind == QuestionKind.MULTIPLE:
        answer = "".join(parsed.answer)
    elif parsed.kind == QuestionKind.FILL:
        answer = "|".join(parsed.answer)
    else:
        answer = str(parsed.answer)
    return [
        KIND_NAMES[parsed.kind],
        parsed.text,
        *options,
        answer,
        parsed.explanation,
        DIFFICULTY_NAMES[Difficulty(parsed.difficulty)],
        "、".join(parsed.tags),
    ]


# Reading a file -------------------------------------------------------------------------------


class SheetProblems(Exception):
    """The file cannot be imported; ``problems`` names each with its row number."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def read_questions(content: bytes) -> list[ParsedQuestion]:
    """Every question of the first sheet, or ``SheetProblems`` listing every bad row (nothing is half read)."""
    rows = sheet_rows(content)
    header = [cell_text(value) for value in (rows[0] if rows else [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise SheetProblems(
            [
                _("Row 1 must be the header %(columns)s; missing: %(missing)s.")
                % {"columns": "、".join(COLUMNS), "missing": "、".join(missing)}
            ]
        )
    positions = {name: header.index(name) for name in COLUMNS if name in header}
    questions, problems = [], []
    for number, row in enumerate(rows[1:], start=2):
        values = {name: cell_text(row[index]) if index < len(row) else "" for name, index in positions.items()}
        if not any(values.values()):
            continue
        parsed, found = parse_question(values)
        if found:
            problems += [_("Row %(row)d: %(problem)s") % {"row": number, "problem": p} for p in found]
        else:
            questions.append(parsed)
    if problems:
        raise SheetProblems(problems)
    if not questions:
        raise SheetProblems([_("The sheet has no question below the header.")])
    return questions


def sheet_rows(content: bytes, width: int = len(COLUMNS) + 10) -> list[tuple]:
    """The rows of the first sheet of an XLSX file, or ``SheetProblems`` saying plainly why it cannot be read."""
    if content.startswith(OLE_MAGIC):
        raise SheetProblems([_("This is an old Excel (.xls) or WPS file: save it as .xlsx and import it again.")])
    if len(content) > MOST_BYTES:
        raise SheetProblems([_("The file is larger than 10 MB.")])
    if not _is_small_zip(content):
        raise SheetProblems([_("This is not an Excel workbook (.xlsx).")])
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(row[:width])
                if len(rows) > MOST_ROWS + 1:
                    raise SheetProblems([_("A file is read %(count)d rows at most at a time.") % {"count": MOST_ROWS}])
            return rows
        finally:
            workbook.close()
    except SheetProblems:
        raise
    except Exception as exc:
        raise SheetProblems([_("This is not an Excel workbook (.xlsx) that can be read.")]) from exc


def _is_small_zip(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(info.file_size for info in archive.infolist()) <= MOST_UNPACKED_BYTES
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError, NotImplementedError):
        return False


# Writing workbooks ------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="FDE2E1")
EXAMPLES = [
    [
        "单选题",
        "中国共产党第一次全国代表大会在哪一年召开?",
        "1919年",
        "1921年",
        "1927年",
        "1949年",
        "",
        "",
        "B",
        "1921年7月,中共一大在上海召开,后转移到嘉兴南湖。",
        "易",
        "党史",
    ],
    [
        "多选题",
        "“四个自信”包括哪些?",
        "道路自信",
        "理论自信",
        "制度自信",
        "文化自信",
        "",
        "",
        "ABCD",
        "“四个自信”即中国特色社会主义道路自信、理论自信、制度自信、文化自信。",
        "中",
        "党的创新理论",
    ],
    ["判断题", "理论学习中心组学习每年不少于12次。", "", "", "", "", "", "", "对", "", "中", "学习制度"],
    ["填空题", "党的根本宗旨是全心全意为____服务。", "", "", "", "", "", "", "人民|人民群众", "", "易", "党章"],
    ["简答题", "简述“两个确立”的决定性意义。", "", "", "", "", "", "", "", "答出要点即可。", "难", "党的创新理论"],
]


# Column widths by header; the options' columns are 16 wide.
WIDTHS = {"题型": 10, "题干": 48, "答案": 14, "解析": 40, "难度": 8, "标签": 20}
KEY_COLUMNS = ("答案", "解析")


def _workbook(rows: list[list[str]], columns: list[str] = COLUMNS) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题库"
    append_row(sheet, columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in rows:
        append_row(sheet, row)
    letters = {name: get_column_letter(index) for index, name in enumerate(columns, start=1)}
    for name, letter in letters.items():
        sheet.column_dimensions[letter].width = WIDTHS.get(name, 16)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    kinds = DataValidation(type="list", formula1='"' + ",".join(KIND_NAMES.values()) + '"', allow_blank=True)
    levels = DataValidation(type="list", formula1='"易,中,难"', allow_blank=True)
    sheet.add_data_validation(kinds)
    sheet.add_data_validation(levels)
    kinds.add(f"{letters['题型']}2:{letters['题型']}{MOST_ROWS + 1}")
    levels.add(f"{letters['难度']}2:{letters['难度']}{MOST_ROWS + 1}")
    if "答案" in letters:
        # Answers like 1921 stay text in Excel (numbers typed in a text column are not rounded or reformatted).
        for cell in sheet[letters["答案"]]:
            cell.number_format = "@"
    return workbook


def _guide(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("填写说明")
    lines = [
        _("One question per row below the header; the header must stay as it is."),
        _("题型: 单选题, 多选题, 判断题, 填空题 or 简答题."),
        _("选项A…选项F: the options of a choice question, from 选项A without a gap; empty for other types."),
        _(
            "答案: the letter (B) or letters (ACD) of the right options; 对 or 错; the accepted answers of a blank "
            "separated by | (人民|人民群众); the reference answer of a short answer question (may be empty)."
        ),
        _("解析: the explanation shown to people after the test closes."),
        _("难度: 易, 中 or 难 (empty: 中)."),
        _("标签: tags separated by 、; tests draw questions by tag."),
        _("A bad row is reported with its number and nothing is imported until the file is clean."),
    ]
    for line in lines:
        append_row(sheet, [line])
    sheet.column_dimensions["A"].width = 110


def to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template() -> bytes:
    """The empty layout with an example of each type and a sheet that explains the columns."""
    workbook = _workbook(EXAMPLES)
    _guide(workbook)
    return to_bytes(workbook)


def export(questions: list[ParsedQuestion], *, with_answers: bool = True) -> bytes:
    """A bank's questions in the import layout: exported and imported again, it gives the same questions.

    Without answers (a reader who is not the bank's own staff, ``assessments.answers_read``) the columns 答案 and
    解析 are left out, not emptied: the file then says plainly that it carries no key.
    """
    if with_answers:
        workbook = _workbook([columns_of(q) for q in questions])
        _guide(workbook)
        return to_bytes(workbook)
    kept = [index for index, name in enumerate(COLUMNS) if name not in KEY_COLUMNS]
    columns = [COLUMNS[index] for index in kept]
    workbook = _workbook([[row[index] for index in kept] for row in map(columns_of, questions)], columns)
    sheet = workbook.create_sheet("说明")
    append_row(sheet, [_("Answers and explanations are read by this bank's own staff only: this copy has none.")])
    sheet.column_dimensions["A"].width = 110
    return to_bytes(workbook)
