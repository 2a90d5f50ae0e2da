"""Hold a reading log as plain records: what the parser returns and the writer takes.

Field names match the Django models (Paper, Note, Question, Comment,
ChangeLogEntry) so the saving layer copies them across one to one.
"""

import datetime
from dataclasses import dataclass, field

CURIOSITY_LEVELS = ("low", "neutral", "interesting", "high")
ANCHOR_KINDS = (
    "figure",
    "table",
    "equation",
    "section",
    "page",
    "abstract",
    "intro",
    "conclusion",
    "methods",
)
# The question headings the format knows, in their canonical spelling.
QUESTION_SECTIONS = (
    "I haven't understood",
    "I'm trying to understand",
    "Questions",
    "Open questions",
)
DEFAULT_QUESTION_SECTION = QUESTION_SECTIONS[0]
# The ways a file can be read, as the import preview names them.
READINGS = {
    "headings": "each ## heading is a paper",
    "file": "each file is a paper",
    "items": "each list item is a paper",
    "rows": "each table row is a paper",
}


class LogFormatError(ValueError):
    """Reject a file that cannot be read as a reading log, naming the line when there is one."""

    def __init__(self, message, line=None):
        super().__init__(message, line)
        self.message = message
        self.line = line

    def __str__(self):
        return f"Line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ParseWarning:
    line: int
    message: str
    # The file it is about, when several files are read as one log.
    file: str = ""
    # What the import preview shows apart: "grouping" (a heading read as
    # grouping the papers below it), "one paper" (a file with no paper headings).
    kind: str = ""


@dataclass
class NoteEntry:
    body: str
    anchor_kind: str = ""
    anchor_label: str = ""
    line: int = field(default=0, compare=False)


@dataclass
class QuestionEntry:
    body: str
    status: str = "open"
    resolution: str = ""
    replies: list[str] = field(default_factory=list)
    section: str = DEFAULT_QUESTION_SECTION
    line: int = field(default=0, compare=False)


@dataclass
class PaperEntry:
    number: int
    title: str
    url: str = ""
    arxiv_id: str = ""
    doi: str = ""
    curiosity: str = ""
    curiosity_note: str = ""
    tldr: str = ""
    authors: str = ""
    # What the paper is about (a BibTeX import's `abstract`; the markdown format has none).
    abstract: str = ""
    year: int | None = None
    read_on: datetime.date | None = None
    tags: list[str] = field(default_factory=list)
    # Front-matter keys the app has no field for (`layout:`, `permalink:` ...).
    meta: dict = field(default_factory=dict)
    notes: list[NoteEntry] = field(default_factory=list)
    questions: list[QuestionEntry] = field(default_factory=list)
    line: int = field(default=0, compare=False)
    # How the parser recognised the paper, for the import preview: "heading",
    # "heading with a link", "list item", "table row", "one file".
    found_as: str = field(default="heading", compare=False)
    # False when the file gave the paper no number and the parser counted one.
    numbered: bool = field(default=True, compare=False)
    # The file it came from, when several files are read as one log (parse_files).
    file: str = field(default="", compare=False)


@dataclass
class ChangeLogItem:
    date: datetime.date
    text: str
    line: int = field(default=0, compare=False)


@dataclass
class LogDocument:
    title: str = ""
    description: str = ""
    papers: list[PaperEntry] = field(default_factory=list)
    changelog: list[ChangeLogItem] = field(default_factory=list)
    # What the parser guessed; a re-import of the export guesses nothing, so
    # warnings take no part in comparing two documents.
    warnings: list[ParseWarning] = field(default_factory=list, compare=False)
    # The reading the parser chose (a key of READINGS) and the ones it could
    # have chosen for this file, best first: the import preview lets the user switch.
    reading: str = field(default="headings", compare=False)
    readings: list[str] = field(default_factory=list, compare=False)
