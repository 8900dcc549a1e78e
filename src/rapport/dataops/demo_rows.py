"""The rows around each demo record (phones, emails, search terms, tags,
interactions, audit entries), collected as tuples and written with one
``executemany`` per table.

A load writes about fifteen of these per contact; building a model instance
and letting ``bulk_create`` prepare each value costs ten times the insert
itself, so they skip the ORM. The columns and values are exactly what the
services write.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import connection, models

from rapport.core.models import AuditAction, AuditEntry
from rapport.customers.models import ContactPoint, Interaction, SearchTerm
from rapport.customers.search import terms_for
from rapport.dataops import demo_data as data

_POINT_COLUMNS = ("kind", "label", "value", "normalised", "is_primary", "account_id", "contact_id", "lead_id", "created_at", "updated_at")
_INTERACTION_COLUMNS = (
    "channel",
    "direction",
    "subject",
    "body",
    "occurred_at",
    "user_id",
    "account_id",
    "contact_id",
    "lead_id",
    "concerns",
    "version",
    "created_at",
    "updated_at",
)
_TERM_COLUMNS = ("record_type", "record_id", "term", "owner_id", "team_id", "shared_with_team")
_AUDIT_COLUMNS = ("at", "actor_id", "actor_name", "action", "record_type", "record_id", "record_repr", "changes", "via")
_CHANNELS = tuple(data.CHANNELS)
_CHANNEL_WEIGHTS = [sum(w for w, _, _ in list(data.CHANNELS.values())[: i + 1]) for i in range(len(data.CHANNELS))]
_SERVICE_DESK = frozenset({"phone", "chat", "portal", "web"})


def _column(model: type[models.Model], name: str) -> str:
    found = model._meta.get_field(name)
    assert isinstance(found, models.Field) and found.column
    return found.column


def insert_rows(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(_column(model, c)) for c in columns)
    # bandit B608: table and column names come from the models, the values are parameters.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_models(objs: list[Any]) -> None:
    """Insert new model instances of one model and set their ids: ``bulk_create`` without its per-value preparation."""
    if not objs:
        return
    model = type(objs[0])
    now = dt.datetime.now(dt.UTC)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    prepare: list[Any] = []
    for f in fields:
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            prepare.append(lambda _v, fixed=connection.ops.adapt_datetimefield_value(now): fixed)
        elif isinstance(f, models.DateField | models.JSONField):
            prepare.append(lambda v, f=f: f.get_db_prep_save(v, connection))
        else:
            prepare.append(None)
    quote = connection.ops.quote_name
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    # bandit B608: table and column names come from the model, the values are parameters.
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "  # noqa: S608  # nosec B608
    per = max(1, 30_000 // len(fields))  # under SQLite's limit of 32,766 parameters per statement
    with connection.cursor() as cursor:
        for i in range(0, len(objs), per):
            chunk = objs[i : i + per]
            params = [
                (fn(getattr(obj, f.attname)) if fn else getattr(obj, f.attname))
                for obj in chunk
                for f, fn in zip(fields, prepare, strict=True)
            ]
            # Both databases return the ids of a multi-row INSERT in the order of its rows (bulk_create relies on it too).
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + f" RETURNING {quote(model._meta.pk.column)}", params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False


class BatchRows:
    """What one batch writes beside its accounts, contacts or leads."""

    def __init__(self, *, actor_id: int, actor_name: str, agent_id: int, anchor: dt.datetime):
        self.actor_id, self.actor_name, self.agent_id, self.anchor = actor_id, actor_name, agent_id, anchor
        self.now = connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))
        self.changes_field = AuditEntry._meta.get_field("changes")
        self.points: list[tuple[Any, ...]] = []
        self.terms: list[tuple[str, int, str, int, int | None, bool]] = []
        self.tags: dict[tuple[type[models.Model], str], list[tuple[int, int]]] = {}
        self.interactions: list[tuple[Any, ...]] = []
        self.audits: list[tuple[Any, ...]] = []

    def point(self, kind: str, value: str, normalised: str, primary: bool, label: str, *, owner: str, owner_id: int) -> None:
        ids = {"account": None, "contact": None, "lead": None, owner: owner_id}
        self.points.append((kind, label, value, normalised, primary, ids["account"], ids["contact"], ids["lead"], self.now, self.now))

    def search_terms(self, record_type: str, record: Any, *texts: str) -> None:
        """The record's terms, with the owner, team and shared flag visibility is decided on (as ``search.index_record``)."""
        pk, owner_id, team_id, shared = record.pk, record.owner_id, record.team_id, record.shared_with_team
        self.terms.extend((record_type, pk, term, owner_id, team_id, shared) for term in terms_for(*texts))

    def tag(self, model: type[models.Model], owner: str, owner_id: int, tag_ids: list[int]) -> None:
        through = model._meta.get_field("tags").remote_field.through  # type: ignore[union-attr]
        self.tags.setdefault((through, f"{owner}_id"), []).extend((owner_id, tag_id) for tag_id in tag_ids)

    def interactions_for(
        self,
        rng: random.Random,
        count: int,
        *,
        zh: bool,
        owner_id: int,
        account_id: int | None = None,
        contact_id: int | None = None,
        lead_id: int | None = None,
    ) -> None:
        adapt = connection.ops.adapt_datetimefield_value
        for _ in range(count):
            channel = rng.choices(_CHANNELS, cum_weights=_CHANNEL_WEIGHTS)[0]
            _, inbound_share, subjects = data.CHANNELS[channel]
            english, chinese = rng.choice(subjects)
            inbound = rng.random() < inbound_share
            subject = (chinese if zh else english).format(p=rng.choice(data.PRODUCTS))
            when = adapt(self.anchor - dt.timedelta(seconds=rng.randrange(730 * 86400)))
            user_id = self.agent_id if inbound and channel in _SERVICE_DESK else owner_id
            direction = "inbound" if inbound else "outbound"
            self.interactions.append(
                (channel, direction, subject, "", when, user_id, account_id, contact_id, lead_id, "", 1, self.now, self.now)
            )

    def audit(self, record_type: str, record_id: int, title: str, changes: dict[str, Any]) -> None:
        value = self.changes_field.get_db_prep_save({k: [None, v] for k, v in changes.items()}, connection)
        self.audits.append(
            (self.now, self.actor_id, self.actor_name, AuditAction.CREATE, f"customers.{record_type}", record_id, title[:255], value, "cli")
        )

    def write(self) -> None:
        insert_rows(ContactPoint, _POINT_COLUMNS, self.points)
        insert_rows(SearchTerm, _TERM_COLUMNS, self.terms)
        for (through, owner_column), rows in self.tags.items():
            insert_rows(through, (owner_column, "tag_id"), rows)
        insert_rows(Interaction, _INTERACTION_COLUMNS, self.interactions)
        insert_rows(AuditEntry, _AUDIT_COLUMNS, self.audits)
