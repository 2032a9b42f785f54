"""The subset of the Google Ads Query Language (GAQL) the sandbox understands, parsed into a :class:`Query`.

Grammar (https://developers.google.com/google-ads/api/docs/query/grammar), the part we serve::

    SELECT field [, field]* FROM resource
        [WHERE condition [AND condition]*]
        [ORDER BY field [ASC|DESC] [, field [ASC|DESC]]*]
        [LIMIT n]
    condition: field (= | != | > | >= | < | <=) value
             | field [NOT] IN (value [, value]*)
             | field BETWEEN value AND value
             | field DURING date_constant          (TODAY, YESTERDAY, LAST_7_DAYS, ...)

Keywords are case-insensitive, field names are ``snake_case`` (``metrics.cost_micros``), values are single- or
double-quoted strings, numbers or bare enum constants (``ENABLED``). A query the grammar rejects raises
:class:`QueryError` with the name of Google's ``QueryError`` enum value
(https://developers.google.com/google-ads/api/reference/rpc/latest/QueryErrorEnum.QueryError) and a message like
Google's, so the emulation can answer with the real error shape. Which fields a resource offers is the caller's
business (google_ads.py); this module only knows the language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

# DURING constants: the date range each stands for, relative to "today" in the account's time zone.
DATE_CONSTANTS = ("TODAY", "YESTERDAY", "LAST_7_DAYS", "LAST_14_DAYS", "LAST_30_DAYS", "THIS_MONTH", "LAST_MONTH")

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<unterminated>['"])
      | (?P<number>-?\d+(?:\.\d+)?)(?![\w.])
      | (?P<name>[A-Za-z_][\w.]*)
      | (?P<op>!=|>=|<=|=|>|<)
      | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"SELECT", "FROM", "WHERE", "AND", "ORDER", "BY", "ASC", "DESC", "LIMIT", "IN", "NOT", "BETWEEN", "DURING"}


class QueryError(Exception):
    """A query GAQL rejects: ``code`` is Google's QueryError enum value."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str  # "=", "!=", ">", ">=", "<", "<=", "IN", "NOT IN", "BETWEEN", "DURING"
    values: tuple[str | float, ...]  # strings unquoted; numbers as float; DURING: the constant


@dataclass(frozen=True)
class Query:
    fields: tuple[str, ...]
    resource: str
    conditions: tuple[Condition, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    limit: int | None = None

    def dates(self, today: date) -> tuple[date, date] | None:
        """The inclusive range of ``segments.date`` the WHERE clause allows (None: no date filter)."""
        low: date | None = None
        high: date | None = None
        for condition in self.conditions:
            if condition.field != "segments.date":
                continue
            first, last = _date_bounds(condition, today)
            low = first if low is None or (first is not None and first > low) else low
            high = last if high is None or (last is not None and last < high) else high
        if low is None and high is None:
            return None
        return (low or date.min, high or date.max)


def parse(text: str) -> Query:
    tokens = _tokenize(text)
    reader = _Reader(tokens)
    reader.keyword("SELECT", "EXPECTED_SELECT", "Expected SELECT at the start of the query.")
    fields = [reader.field_name()]
    while reader.take_punct(","):
        fields.append(reader.field_name())
    reader.keyword("FROM", "EXPECTED_FROM", "Expected FROM after the selected fields.")
    resource = reader.field_name()
    conditions: list[Condition] = []
    order_by: list[tuple[str, bool]] = []
    limit = None
    if reader.take_keyword("WHERE"):
        conditions.append(reader.condition())
        while reader.take_keyword("AND"):
            conditions.append(reader.condition())
    if reader.take_keyword("ORDER"):
        reader.keyword("BY", "EXPECTED_BY", "Expected BY after ORDER.")
        while True:
            name = reader.field_name()
            descending = reader.take_keyword("DESC")
            if not descending:
                reader.take_keyword("ASC")
            order_by.append((name, descending))
            if not reader.take_punct(","):
                break
    if reader.take_keyword("LIMIT"):
        kind, value = reader.next("BAD_LIMIT_VALUE", "Expected a number after LIMIT.")
        if kind != "number" or not value.isdigit() or int(value) < 1:
            raise QueryError("BAD_LIMIT_VALUE", f"Invalid LIMIT value: {value}.")
        limit = int(value)
    if not reader.done():
        kind, value = reader.next("UNEXPECTED_INPUT", "")
        raise QueryError("UNEXPECTED_INPUT", f"Error in query: unexpected input {value}.")
    return Query(tuple(fields), resource, tuple(conditions), tuple(order_by), limit)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise QueryError("BAD_SYMBOL", f"Error in query: unexpected symbol {text[position:].strip()[:1]!r}.")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "unterminated":
            raise QueryError("STRING_NOT_TERMINATED", "A string literal is not terminated.")
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Reader:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.position = tokens, 0

    def done(self) -> bool:
        return self.position >= len(self.tokens)

    def peek(self) -> tuple[str, str] | None:
        return None if self.done() else self.tokens[self.position]

    def next(self, code: str, message: str) -> tuple[str, str]:
        if self.done():
            raise QueryError("UNEXPECTED_END_OF_QUERY", "Error in query: unexpected end of query.")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def take_keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token[0] == "name" and token[1].upper() == word:
            self.position += 1
            return True
        return False

    def keyword(self, word: str, code: str, message: str) -> None:
        if self.done():
            raise QueryError("UNEXPECTED_END_OF_QUERY", "Error in query: unexpected end of query.")
        if not self.take_keyword(word):
            raise QueryError(code, message)

    def take_punct(self, mark: str) -> bool:
        token = self.peek()
        if token == ("punct", mark):
            self.position += 1
            return True
        return False

    def field_name(self) -> str:
        kind, value = self.next("UNEXPECTED_END_OF_QUERY", "")
        if kind != "name" or value.upper() in _KEYWORDS:
            raise QueryError("UNEXPECTED_INPUT", f"Error in query: unexpected input {value}.")
        return value

    def value(self) -> str | float:
        kind, value = self.next("UNEXPECTED_END_OF_QUERY", "")
        if kind == "number":
            return float(value)
        if kind in ("string", "name"):
            return value
        raise QueryError("BAD_VALUE", f"Error in query: unexpected input {value}.")

    def condition(self) -> Condition:
        name = self.field_name()
        if self.take_keyword("DURING"):
            kind, constant = self.next("UNEXPECTED_END_OF_QUERY", "")
            if kind != "name" or constant.upper() not in DATE_CONSTANTS:
                raise QueryError(
                    "INVALID_VALUE_WITH_DURING_OPERATOR", f"Invalid value with DURING operator: {constant}."
                )
            return Condition(name, "DURING", (constant.upper(),))
        if self.take_keyword("BETWEEN"):
            low = self.value()
            self.keyword("AND", "EXPECTED_AND", "Expected AND between the values of BETWEEN.")
            return Condition(name, "BETWEEN", (low, self.value()))
        negated = self.take_keyword("NOT")
        if self.take_keyword("IN"):
            if not self.take_punct("("):
                raise QueryError("EXPECTED_LIST", "Expected a list of values in parentheses after IN.")
            values = [] if self.take_punct(")") else [self.value()]
            while values and not self.take_punct(")"):
                if not self.take_punct(","):
                    raise QueryError("EXPECTED_LIST", "Expected a comma or a closing parenthesis in the list.")
                values.append(self.value())
            if not values:
                raise QueryError("PROHIBITED_EMPTY_LIST_IN_CONDITION", "Empty list in condition is prohibited.")
            return Condition(name, "NOT IN" if negated else "IN", tuple(values))
        if negated:
            raise QueryError("BAD_OPERATOR", "Expected IN after NOT.")
        kind, operator = self.next("UNEXPECTED_END_OF_QUERY", "")
        if kind != "op":
            raise QueryError("BAD_OPERATOR", f"Invalid operator: {operator}.")
        return Condition(name, operator, (self.value(),))


def parse_date(value: str | float) -> date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise QueryError("INVALID_DATE_FORMAT", f"Invalid date format: {value}. Use 'YYYY-MM-DD'.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise QueryError("INVALID_DATE_FORMAT", f"Invalid date: {value}.") from None


def during(constant: str, today: date) -> tuple[date, date]:
    """The inclusive dates a DURING constant means, with ``today`` in the account's time zone."""
    if constant == "TODAY":
        return today, today
    if constant == "YESTERDAY":
        return today - timedelta(days=1), today - timedelta(days=1)
    if constant.startswith("LAST_") and constant.endswith("_DAYS"):
        days = int(constant.split("_")[1])
        return today - timedelta(days=days), today - timedelta(days=1)
    first_of_month = today.replace(day=1)
    if constant == "THIS_MONTH":
        return first_of_month, today
    last_month_end = first_of_month - timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end


def _date_bounds(condition: Condition, today: date) -> tuple[date | None, date | None]:
    op, values = condition.operator, condition.values
    if op == "DURING":
        return during(str(values[0]), today)
    if op == "BETWEEN":
        return parse_date(values[0]), parse_date(values[1])
    if op in ("IN",):
        days = sorted(parse_date(v) for v in values)
        return days[0], days[-1]
    if op == "NOT IN" or op == "!=":
        for v in values:
            parse_date(v)
        return None, None
    day = parse_date(values[0])
    return {
        "=": (day, day),
        ">": (day + timedelta(days=1), None),
        ">=": (day, None),
        "<": (None, day - timedelta(days=1)),
        "<=": (None, day),
    }[op]
