"""Whole-site backup and restore: every row of the app, in one JSON file.

The file is one JSON document laid out one record per line, so it is written
and read a line at a time however large the site is:

    {"format": "readinglog-site-backup", "version": 1, …, "migrations": {…}, "objects": [
    {"model": "papers.user", "pk": 1, "fields": {…}},
    …
    ]}

Records are Django's serializer format ("python" records, JSON-encoded), for
every model of the `papers` app and auth's groups, trashed rows included (each
model's `_base_manager`), in dependency order. New models and fields are
picked up without changes here. A restore goes into an empty database
migrated to the same state, in one transaction.
"""

import datetime
import json
from itertools import islice

from django.apps import apps
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Prefetch
from django.utils import timezone

FORMAT = "readinglog-site-backup"
VERSION = 1
END = "]}"
CHUNK = 2000
# How a damaged record fails: bad JSON values, unknown fields, keys or models,
# a duplicate key (the database refuses it).
RECORD_ERRORS = (
    DeserializationError,
    FieldDoesNotExist,
    DatabaseError,
    LookupError,
    AttributeError,
    TypeError,
    ValueError,
)


class Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeping whole microseconds (it cuts times to milliseconds)."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why."""


def backed_up_models():
    """Return the models a backup holds, each after the models its keys point to."""
    chosen = [*apps.get_app_config("papers").get_models(), apps.get_model("auth", "Group")]
    ordered = []

    def visit(model, path):
        if model in ordered or model in path:
            return  # done, or a cycle (question ↔ answer): deferred constraints allow it
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation and field.related_model in chosen:
                visit(field.related_model, (*path, model))
        ordered.append(model)

    for model in chosen:
        visit(model, ())
    return ordered


def migration_state(site_models):
    """Return the applied migrations of the apps the models belong to."""
    applied = MigrationRecorder(connection).applied_migrations()
    labels = sorted({model._meta.app_label for model in site_models})
    return {label: sorted(name for app, name in applied if app == label) for label in labels}


def write_backup(stream):
    """Write every row of the site to a text stream; return the number of rows per model.

    Reads one consistent snapshot of the database (on PostgreSQL a repeatable-read,
    read-only transaction), in chunks, so memory stays flat on a large site.
    """
    site_models = backed_up_models()
    counts = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "migrations": migration_state(site_models),
        }
        # The header is a JSON object left open on its "objects" list.
        stream.write(json.dumps(header)[:-1] + ', "objects": [')
        separator = "\n"
        for model in site_models:
            counts[model._meta.label] = 0
            for record in _records(model, site_models):
                stream.write(separator + json.dumps(record, cls=Encoder))
                separator = ",\n"
                counts[model._meta.label] += 1
        stream.write(f"\n{END}\n")
    return counts


def _records(model, site_models):
    """Yield a model's rows as serializer records, a chunk of rows at a time."""
    many = [f for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]
    rows = model._base_manager.order_by("pk").prefetch_related(
        *(Prefetch(f.name, queryset=f.related_model._base_manager.all()) for f in many)
    )
    # Keys to rows a backup does not hold (a user's permissions) are written as
    # natural keys, which still mean the same rows in another database.
    natural = any(
        f.related_model not in site_models
        for f in model._meta.get_fields()
        if f.concrete and f.is_relation
    )
    rows = rows.iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        yield from serializers.serialize("python", chunk, use_natural_foreign_keys=natural)


def restore_backup(stream, *, name="the file"):
    """Load a backup into this empty database, in one transaction; return rows per model.

    Raises BackupError, having written nothing, when the file is not a
    complete backup, was made at another migration state, or the database
    already holds rows.
    """
    site_models = backed_up_models()
    labels = {model._meta.label_lower: model for model in site_models}
    lines = _lines(stream, name)
    header = _read_header(next(lines, ""), name)
    here = migration_state(site_models)
    if header["migrations"] != here:
        raise BackupError(_migrations_differ(header["migrations"], here))
    tables = [model._meta.db_table for model in site_models]
    counts = dict.fromkeys((model._meta.label for model in site_models), 0)
    with transaction.atomic():
        taken = [model._meta.db_table for model in site_models if model._base_manager.exists()]
        if taken:
            raise BackupError(
                "Restore only goes into an empty database, and this one has rows in "
                f"{', '.join(taken)}. Create a new database, run `manage.py migrate`, "
                "and restore into that."
            )
        for number, record in _records_in(lines, labels, name):
            try:
                for item in serializers.deserialize("python", [record]):
                    item.save(force_insert=True)
            except RECORD_ERRORS as error:
                raise BackupError(f"{name}, line {number}: {error}") from None
            counts[labels[record["model"]]._meta.label] += 1
        try:
            connection.check_constraints(table_names=tables)
        except IntegrityError as error:
            raise BackupError(f"{name} points to rows it does not hold: {error}") from None
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), site_models):
                cursor.execute(sql)
    return counts


def _lines(stream, name):
    try:
        yield from stream
    except UnicodeDecodeError:
        raise BackupError(f"{name} is not a text file, so not a Readinglog site backup.") from None


def _read_header(line, name):
    not_ours = (
        f"{name} is not a Readinglog site backup (one made by `manage.py backup`; "
        "a log's JSON export goes in with `manage.py import_log --format json`)."
    )
    try:
        header = json.loads(line + END)
    except json.JSONDecodeError:
        raise BackupError(not_ours) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(not_ours)
    if header.get("version") != VERSION:
        raise BackupError(
            f"{name} is a version {header.get('version')!r} backup; this Readinglog reads "
            f"version {VERSION}."
        )
    migrations = header.get("migrations")
    if not isinstance(migrations, dict) or not all(
        isinstance(names, list) for names in migrations.values()
    ):
        raise BackupError(f"{name} has no migration state in its first line: it is damaged.")
    return header


def _records_in(lines, labels, name):
    """Yield (line number, record) for each record line, up to the closing line."""
    for number, line in enumerate(lines, start=2):
        line = line.rstrip("\n")
        if line == END:
            if any(rest.strip() for rest in lines):
                raise BackupError(f"{name} goes on after its last line ({number}): it is damaged.")
            return
        try:
            record = json.loads(line.removesuffix(","))
        except json.JSONDecodeError as error:
            raise BackupError(f"{name}, line {number}: not a record ({error}).") from None
        model = record.get("model") if isinstance(record, dict) else None
        if not isinstance(model, str) or model not in labels:
            raise BackupError(f"{name}, line {number}: {model!r} is not something a backup holds.")
        yield number, record
    raise BackupError(f"{name} ends before its last line: the backup is incomplete.")


def _migrations_differ(theirs, ours):
    def last(state):
        return ", ".join(
            f"{app} {names[-1] if names else '(none)'}" for app, names in state.items()
        )

    target = " and ".join(
        f"`manage.py migrate {app} {names[-1] if names else 'zero'}`"
        for app, names in theirs.items()
        if names != ours.get(app)
    )
    return (
        f"The backup was made at migrations {last(theirs)}; this database is at {last(ours)}. "
        f"Restore into a database at the backup's state ({target}), "
        "then run `manage.py migrate`."
    )
