"""Read and write reading logs in the markdown format of the sample log.

Pure functions, no database (the saving layer is papers/transfer.py):

    parse_log(data: bytes | str, *, max_bytes=None, reading=None, name="") -> LogDocument
        Read a markdown log, in the reading (a key of READINGS) the parser
        judges best or the one asked for. Raise LogFormatError(message,
        line=None) for input that is not a log; its str() names the line.
    parse_files(files, *, max_bytes=None, reading=None, name="") -> LogDocument
        Read several (name, bytes) files (a folder, a .zip, a multiple upload)
        as one log, each with parse_log; papers name their file. read_archive
        and read_folder in papers/logformat/files.py give the files.
    write_log(doc: LogDocument) -> str
        Write a log in the same format; parse_log reads it back into equal
        records, and writing those again gives the same text.
    detect_link(text) -> (url, arxiv_id, doi)
        Read a pasted URL, arXiv id ("2407.12687", "arXiv:2407.12687v2") or
        DOI, as a paper form does.
    link_ids(url) -> (arxiv_id, doi)
        The arXiv id or DOI a URL points at.

The records (LogDocument, PaperEntry, NoteEntry, QuestionEntry,
ChangeLogItem, ParseWarning) are dataclasses whose field names match the
Django models. docs/log-format.md describes the format and its rules.
"""

from papers.logformat.files import parse_files
from papers.logformat.model import (
    ANCHOR_KINDS,
    CURIOSITY_LEVELS,
    DEFAULT_QUESTION_SECTION,
    QUESTION_SECTIONS,
    READINGS,
    ChangeLogItem,
    LogDocument,
    LogFormatError,
    NoteEntry,
    PaperEntry,
    ParseWarning,
    QuestionEntry,
)
from papers.logformat.parser import parse_log
from papers.logformat.syntax import detect_link, link_ids
from papers.logformat.writer import write_log

__all__ = [
    "ANCHOR_KINDS",
    "CURIOSITY_LEVELS",
    "DEFAULT_QUESTION_SECTION",
    "QUESTION_SECTIONS",
    "READINGS",
    "ChangeLogItem",
    "LogDocument",
    "LogFormatError",
    "NoteEntry",
    "PaperEntry",
    "ParseWarning",
    "QuestionEntry",
    "detect_link",
    "link_ids",
    "parse_files",
    "parse_log",
    "write_log",
]
