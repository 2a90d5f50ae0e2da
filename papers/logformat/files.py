"""Read several files as one log: a folder of per-paper notes, a .zip, a multiple upload.

    parse_files(files, *, max_bytes=None, reading=None, name="") -> LogDocument
        Read every (name, bytes) file with parse_log, in name order, and join
        their papers into one document.
    read_archive(data, *, max_bytes, max_files) -> [(name, bytes)]
        The markdown files of a .zip, in memory (never extracted to disk).
    read_folder(path, *, max_bytes, max_files) -> [(name, bytes)]
        The markdown files of a folder and its subfolders (hidden ones left out).

People who keep one file per paper (`paper_notes/2024-03-05-attention.md`,
a Jekyll `_posts/` folder) bring the folder or a zip of it; a file name's date
becomes the `read_on` of its papers when they have none.
"""

import io
import os
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from papers.logformat.blocks import decode, human_size
from papers.logformat.dates import file_name_day
from papers.logformat.model import READINGS, LogDocument, LogFormatError, ParseWarning
from papers.logformat.parser import MAX_PAPER_NUMBER, parse_log

MARKDOWN_SUFFIXES = (".md", ".markdown", ".txt")


def is_markdown_name(name):
    """Tell whether a file name is one the import reads (.md, .markdown, .txt, any case)."""
    return name.lower().endswith(MARKDOWN_SUFFIXES)


def parse_files(files, *, max_bytes=None, reading=None, name=""):
    """Read several markdown files as one log; raise LogFormatError naming the file.

    `files` is a list of (file name, bytes or str). `max_bytes` caps their
    total size, `reading` (a key of READINGS) is asked of every file (a file
    that cannot be read that way keeps its own best reading, as parse_log
    does), `name` is the folder's or the zip's name, the log's title when the
    first file has none (among several, a file read as one paper has none:
    its title is the paper's).

    When there are several files, each paper's `file` names the one it comes
    from, and so does each warning's. Papers keep the numbers their files give
    them unless another file used the number first; those are renumbered
    after the largest number. The document's `reading` is the one asked for,
    or the one every file was read in ("" when the files were read in
    different ways); `readings` is every reading that found papers in some
    file.
    """
    if not files:
        raise LogFormatError("There are no markdown files (.md, .markdown or .txt) to import.")
    total = sum(_size(data) for _, data in files)
    if max_bytes is not None and total > max_bytes:
        raise LogFormatError(
            f"The files are {human_size(total)} in all; the limit is {human_size(max_bytes)}."
        )
    files = sorted(files, key=lambda item: item[0])
    several = len(files) > 1
    documents = []
    for file_name, data in files:
        try:
            document = parse_log(data, reading=reading, name=PurePosixPath(file_name).name)
        except LogFormatError as error:
            if not several:
                raise
            where = f"{file_name}, line {error.line}" if error.line else file_name
            raise LogFormatError(f"{where}: {error.message}") from None
        if several and _is_contents(file_name, document):
            document = _as_contents(file_name, data)
        documents.append((file_name, document))
    return _join(documents, several=several, reading=reading, name=name)


# The files of a folder that only list the others: its contents, not a paper.
CONTENTS_NAMES = ("index", "_index", "readme", "contents", "toc")


def _is_contents(file_name, document):
    """Tell whether a file among several is the folder's contents (an index.md, a README.md).

    Only when it names no paper: read as one paper for want of headings,
    with no link to a paper. A README that is a list of papers stays that.
    """
    stem = PurePosixPath(file_name).stem.lower()
    if stem not in CONTENTS_NAMES or document.reading != "file":
        return False
    return not any(paper.url for paper in document.papers)


def _as_contents(file_name, data):
    """Read a folder's contents file as text for the log's description, every word kept."""
    text = decode(data, None).strip()
    shown = PurePosixPath(file_name).name
    message = f"Read {shown} as the folder's contents: kept in the log's description."
    return LogDocument(
        description=text,
        warnings=[ParseWarning(line=1, message=message, kind="grouping")],
        reading="file",
        readings=["file"],
    )


def _size(data):
    return len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)


def _join(documents, *, several, reading, name):
    """Put the files' documents together: papers in file order, naming their file when several."""
    joined = LogDocument()
    descriptions = []
    used = set()
    next_number = 1 + max(
        (paper.number for _, document in documents for paper in document.papers), default=0
    )
    readings = []
    for file_name, document in documents:
        if reading is not None and document.reading != reading:
            document.warnings.append(
                ParseWarning(
                    line=1,
                    message=f"No papers are found reading this file as “{READINGS[reading]}”: "
                    f"read as “{READINGS[document.reading]}”.",
                )
            )
        for warning in document.warnings:
            warning.file = file_name
        joined.warnings.extend(document.warnings)
        # A file read as one paper has the paper's title, which the paper keeps;
        # among several files that is no title for the log.
        title = document.title if document.reading != "file" or not several else ""
        if not joined.title:
            joined.title = title
        elif title:
            # A later file's title is kept with the description it heads.
            descriptions.append(title)
        if document.description:
            descriptions.append(document.description)
        joined.changelog.extend(document.changelog)
        day = file_name_day(PurePosixPath(file_name).name)
        for paper in document.papers:
            if several:
                paper.file = file_name
            if paper.read_on is None and day is not None:
                paper.read_on = day
            if paper.number in used:
                if next_number > MAX_PAPER_NUMBER:
                    raise LogFormatError(
                        f"{file_name}, line {paper.line}: [{paper.number}] is taken by an "
                        f"earlier file and there is no free number left to give it."
                    )
                # A number the file did not write is no one's to keep.
                if paper.numbered:
                    joined.warnings.append(
                        ParseWarning(
                            line=paper.line,
                            message=f"[{paper.number}] is taken by an earlier file: "
                            f"numbered [{next_number}].",
                            file=file_name,
                        )
                    )
                paper.number = next_number
                next_number += 1
            used.add(paper.number)
            joined.papers.append(paper)
        for key in document.readings:
            if key not in readings:
                readings.append(key)
    joined.title = joined.title or name
    joined.description = "\n\n".join(descriptions)
    chosen = {document.reading for _, document in documents}
    if reading is not None:
        joined.reading = reading
    else:
        joined.reading = chosen.pop() if len(chosen) == 1 else ""
    joined.readings = readings
    return joined


# -- archives and folders ---------------------------------------------------------


def _wanted(path):
    """Tell whether a member or file path is a markdown file outside hidden folders and __MACOSX."""
    parts = PurePosixPath(path).parts
    if not parts or any(part.startswith(".") or part == "__MACOSX" for part in parts):
        return False
    return is_markdown_name(parts[-1])


def _too_many(count, max_files, where):
    return LogFormatError(
        f"{where} holds {count} markdown files; the limit is {max_files}. "
        "Import it in several parts."
    )


def _too_big(max_bytes):
    return LogFormatError(
        f"The markdown files in the zip are larger than {human_size(max_bytes)} in all, the limit."
    )


# A zip's end records: where its central directory is and how big it is.
_END = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END = b"PK\x06\x06"
# Entries of any kind (images too) a zip may list per markdown file it may hold,
# and the bytes each may take in the central directory, name included.
ENTRIES_PER_FILE = 10
DIRECTORY_BYTES_PER_ENTRY = 256


def _declared_directory(data):
    """Return (entries, bytes) of a zip's central directory as its end records say, or None.

    Found as zipfile finds them (the end record at the very end, else the last
    one in the comment's reach; a zip64 end record right before its locator),
    so the bound checked here is the one zipfile's parsing loop obeys.
    """
    end = len(data) - 22
    if end < 0 or data[end : end + 4] != _END or data[-2:] != b"\0\0":
        end = data.rfind(_END, max(0, len(data) - 22 - 65535))
        if end < 0 or len(data) - end < 22:
            return None
    entries = int.from_bytes(data[end + 10 : end + 12], "little")
    size = int.from_bytes(data[end + 12 : end + 16], "little")
    locator = end - 20
    record = locator - 56
    if (
        record >= 0
        and data[locator : locator + 4] == _ZIP64_LOCATOR
        and data[record : record + 4] == _ZIP64_END
    ):
        entries = int.from_bytes(data[record + 32 : record + 40], "little")
        size = int.from_bytes(data[record + 40 : record + 48], "little")
    return entries, size


def read_archive(data, *, max_bytes, max_files):
    """Return the (name, bytes) of the markdown files in a .zip, by name; raise LogFormatError.

    Only .md, .markdown and .txt members are read (no directories, dotfiles,
    hidden folders or __MACOSX/). A zip bomb is refused twice over: by the
    sizes its members declare, then while reading, each read stops one byte
    past what is left of `max_bytes` whatever the header says. Encrypted
    members and more than `max_files` markdown files are refused. Nothing is
    written to disk. Before zipfile reads the list of members, a list longer
    than ENTRIES_PER_FILE entries per allowed file is refused: zipfile takes
    seconds over a list of a million empty members.
    """
    declared = _declared_directory(data)
    max_entries = ENTRIES_PER_FILE * max_files
    if declared is not None and (
        declared[0] > max_entries or declared[1] > max_entries * DIRECTORY_BYTES_PER_ENTRY
    ):
        raise LogFormatError(
            f"The zip lists more than {max_entries} entries; "
            f"at most {max_files} markdown files are imported at once."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise LogFormatError("This .zip file is damaged or is not a zip file.") from None
    with archive:
        members = sorted(
            (info for info in archive.infolist() if not info.is_dir() and _wanted(info.filename)),
            key=lambda info: info.filename,
        )
        if len(members) > max_files:
            raise _too_many(len(members), max_files, "The zip")
        if not members:
            raise LogFormatError(
                "The zip holds no markdown files (.md, .markdown or .txt) to import."
            )
        if sum(info.file_size for info in members) > max_bytes:
            raise _too_big(max_bytes)
        files = []
        left = max_bytes
        for info in members:
            if info.flag_bits & 0x1:
                raise LogFormatError(
                    f"{info.filename} is encrypted in the zip: zip it again without a password."
                )
            content = _read_member(archive, info, left)
            if len(content) > left:
                raise _too_big(max_bytes)
            left -= len(content)
            files.append((info.filename, content))
    return files


def _read_member(archive, info, limit):
    """Read at most limit + 1 bytes of a member: enough to tell that it is over the limit."""
    try:
        with archive.open(info) as member:
            return member.read(limit + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ):
        raise LogFormatError(
            f"{info.filename} cannot be read from the zip: the zip is damaged "
            "or compressed in a way the import does not know."
        ) from None


def read_folder(path, *, max_bytes, max_files):
    """Return the (relative name, bytes) of the markdown files under a folder, by name.

    Hidden files and folders (a leading dot) are left out, and so is
    __MACOSX. Raise LogFormatError past `max_files` files or `max_bytes` in all.
    """
    root = Path(path)
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d != "__MACOSX")
        for file_name in names:
            relative = (Path(folder) / file_name).relative_to(root).as_posix()
            if _wanted(relative):
                found.append(relative)
                if len(found) > max_files:
                    raise _too_many(f"more than {max_files}", max_files, f"{root.name}/")
    found.sort()
    files = []
    total = 0
    for relative in found:
        try:
            data = (root / relative).read_bytes()
        except OSError as error:
            raise LogFormatError(f"Cannot read {relative}: {error.strerror}.") from None
        total += len(data)
        if total > max_bytes:
            raise LogFormatError(
                f"The markdown files in {root.name}/ are larger than {human_size(max_bytes)} "
                "in all, the limit."
            )
        files.append((relative, data))
    return files
