"""Prepared statements (预编译语句) for the report's hot path.

A resident's report runs about ten short statements. Through SQLAlchemy Core each costs
~60 µs of Python before and after the driver's own ~6 µs (parameters rebuilt, an execution
context, a result object); the driver alone does the same work for a tenth of that.
:class:`Prepared` keeps the Core statement as the one definition, compiles it once per
dialect (and per set of columns given, for an ``INSERT``), and then runs it on the
session's own DBAPI connection — inside the session's transaction, with SQLAlchemy's bind
and result processors (dates, booleans, JSON) applied exactly as Core would apply them.

What stays the same as Core: errors come out as SQLAlchemy's exceptions (``IntegrityError``,
``OperationalError`` …, so the webhook's 503 and duplicate paths see no difference), a lost
connection is invalidated, and ``before_cursor_execute`` listeners (the statement counters of
tests and benchmarks) still see every statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.dml import Insert

Processor = Callable[[Any], Any] | None


class _Plan:
    """One statement compiled for one dialect and one set of parameter names."""

    __slots__ = ("sql", "names", "positional", "binders", "fixed", "results")

    def __init__(self, statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...] | None) -> None:
        compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys) if keys else None)
        if isinstance(statement, Insert) and compiled.insert_prefetch:
            missing = [c.key for c in compiled.insert_prefetch]
            raise ValueError(f"Prepared INSERT needs values for {missing} (their defaults run in Python)")
        self.sql: str = compiled.string
        if "POSTCOMPILE" in self.sql:
            raise ValueError("Prepared statements take no expanding IN parameters (their SQL "
                             "depends on each call's values)")
        self.positional = bool(dialect.positional)
        self.names: list[str] = list(compiled.positiontup or []) if self.positional \
            else list(compiled.bind_names.values())
        processors = compiled._bind_processors
        self.binders: list[tuple[str, Processor]] = [(n, processors.get(n)) for n in dict.fromkeys(self.names)]
        # values carried by the statement itself (LIMIT 50, literal binds): used when not given
        self.fixed: dict[str, Any] = {name: bp.effective_value for name, bp in compiled.binds.items()
                                      if not bp.required}
        columns = getattr(compiled, "_result_columns", None) or []
        results = [col[3]._cached_result_processor(dialect, None) for col in columns]
        self.results: list[Processor] | None = results if any(results) else None

    def bind(self, params: Mapping[str, Any]) -> Any:
        values: dict[str, Any] = {}
        fixed = self.fixed
        for name, processor in self.binders:
            if name in params:
                value = params[name]
            elif name in fixed:
                value = fixed[name]
            else:
                raise KeyError(f"no value for the statement's parameter {name!r}")
            values[name] = processor(value) if processor is not None else value
        if self.positional:
            return tuple(values[name] for name in self.names)
        return values

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        if self.results is None:
            return tuple(raw)
        return tuple(p(v) if p is not None else v for p, v in zip(self.results, raw, strict=True))


class Prepared:
    """A Core statement run through the driver: ``Prepared(select(…)).first(session, {…})``.

    For an ``INSERT`` the columns are the keys of the parameters given (every row of an
    ``executemany`` the same keys); columns left out get their server default. Statements
    with Python-side defaults for left-out columns are refused at first use.
    """

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._insert = isinstance(statement, Insert)
        self._plans: dict[tuple[str, tuple[str, ...] | None], _Plan] = {}

    def _plan(self, dialect: Dialect, params: Mapping[str, Any]) -> _Plan:
        keys = tuple(sorted(params)) if self._insert else None
        key = (dialect.name, keys)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(self.statement, dialect, keys)
        return plan

    def _run(self, session: Session, params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
             many: bool) -> tuple[Any, _Plan]:
        conn = _connection(session)
        dialect = conn.dialect
        if many:
            rows = list(params)  # type: ignore[arg-type]
            plan = self._plan(dialect, rows[0])
            bound: Any = [plan.bind(r) for r in rows]
        else:
            plan = self._plan(dialect, params)  # type: ignore[arg-type]
            bound = plan.bind(params)  # type: ignore[arg-type]
        raw = conn.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        if conn.dispatch.before_cursor_execute:
            conn.dispatch.before_cursor_execute(conn, cursor, plan.sql, bound, None, many)
        try:
            if many:
                cursor.executemany(plan.sql, bound)
            else:
                cursor.execute(plan.sql, bound)
        except dialect.loaded_dbapi.Error as err:
            try:
                _raise(conn, err, plan.sql, bound, cursor)
            finally:
                cursor.close()
        return cursor, plan

    def execute(self, session: Session, params: Mapping[str, Any] | None = None) -> int:
        """Run it; the number of rows it changed."""
        cursor, _ = self._run(session, params or {}, many=False)
        count = cursor.rowcount
        cursor.close()
        return int(count)

    def executemany(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._run(session, rows, many=True)[0].close()

    def first(self, session: Session, params: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        cursor, plan = self._run(session, params or {}, many=False)
        raw = cursor.fetchone()
        cursor.close()
        return None if raw is None else plan.row(raw)

    def scalar(self, session: Session, params: Mapping[str, Any] | None = None) -> Any:
        row = self.first(session, params)
        return None if row is None else row[0]

    def all(self, session: Session, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        cursor, plan = self._run(session, params or {}, many=False)
        rows = [plan.row(raw) for raw in cursor.fetchall()]
        cursor.close()
        return rows

    def mapping(self, session: Session, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """The first row as {column name: value}."""
        cursor, plan = self._run(session, params or {}, many=False)
        raw = cursor.fetchone()
        names = [d[0] for d in cursor.description or ()]
        cursor.close()
        return None if raw is None else dict(zip(names, plan.row(raw), strict=True))


_CONNECTION = "wgt.prepared.connection"


def _connection(session: Session) -> Connection:
    """The session's connection in its current transaction (``session.connection()`` once per
    transaction: it costs ~15 µs a call, and a report runs ten statements)."""
    transaction = session.get_transaction()
    if transaction is not None and transaction.is_active:
        cached = session.info.get(_CONNECTION)
        if cached is not None and cached[0] is transaction and not cached[1].closed \
                and not cached[1].invalidated:
            return cached[1]
    conn = session.connection()
    session.info[_CONNECTION] = (session.get_transaction(), conn)
    return conn


def _raise(conn: Connection, err: Exception, sql: str, params: Any, cursor: Any) -> None:
    """The driver's error handled as SQLAlchemy handles its own: wrapped in its exception class,
    a lost connection invalidated along with the pool's older ones, ``handle_error`` events."""
    conn._handle_dbapi_exception(err, sql, params, cursor, None)  # raises
    raise AssertionError("unreachable")  # pragma: no cover
