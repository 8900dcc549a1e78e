"""Leads from a CSV file: encoding and delimiter found, headers mapped to lead fields.

Headers are matched loosely (case, spaces, ``_`` and ``-`` ignored) in
English and Chinese; a header naming an administrator's custom field (its key
or label, or ``custom.<key>``) fills that field; other columns are ignored and
reported once. Several phones or emails in one cell are split on ``;`` ``/``
``、`` or new lines.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping

from rapport.customers.lead_files.common import MAX_ROWS, MULTI_VALUE, LeadFileError, ParsedFile, ParsedRow, check_size, decode

DELIMITERS = (",", ";", "\t", "|")
# The largest cell a lead could need; csv's own default (128 KiB) would let a 5 MB cell through as one field.
MAX_CELL = 10_000

# normalised header -> lead field ("phone:<label>" and "email:<label>" are contact points)
ALIASES: dict[str, str] = {}


def _alias(target: str, *names: str) -> None:
    for name in names:
        ALIASES[normalise_header(name)] = target


def normalise_header(text: str) -> str:
    return re.sub(r"[\s_\-.:：/()（）*]+", "", text).casefold()


_alias("full_name", "name", "full name", "contact", "contact name", "姓名", "名字", "联系人", "全名")
_alias("first_name", "first name", "given name", "firstname", "名")
_alias("last_name", "last name", "surname", "family name", "lastname", "姓")
_alias("title", "title", "job title", "position", "职位", "职务", "头衔")
_alias("company", "company", "company name", "organisation", "organization", "org", "公司", "公司名称", "单位", "企业名称")
_alias("industry", "industry", "sector", "行业", "所属行业")
_alias("region", "region", "province", "state", "region / province", "省份", "省", "地区", "区域")
_alias("country", "country", "country code", "国家", "国家地区")
_alias("city", "city", "town", "城市", "市")
_alias("address_line", "address", "street", "address line", "地址", "详细地址", "街道")
_alias("postal_code", "postal code", "postcode", "zip", "zip code", "邮编", "邮政编码")
_alias("source", "source", "lead source", "来源", "线索来源")
_alias("company_size", "company size", "employees", "staff", "公司规模", "员工人数", "人数")
_alias("notes", "notes", "note", "comment", "comments", "remarks", "备注", "说明")
_alias("language", "language", "语言")
_alias("phone:work", "phone", "telephone", "tel", "work phone", "office phone", "电话", "办公电话", "座机", "联系电话")
_alias("phone:mobile", "mobile", "mobile phone", "cell", "cell phone", "手机", "手机号", "手机号码", "移动电话")
_alias("email:work", "email", "e-mail", "email address", "mail", "邮箱", "电子邮件", "电子邮箱", "邮件")


def _sniff(text: str) -> str:
    """The delimiter of the header line: the candidate that occurs most outside quotes (comma on a tie)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _map_headers(headers: list[str], custom_fields: Mapping[str, str]) -> tuple[list[str | None], list[str]]:
    """The target of each column (None: not imported) and the names of the ignored columns."""
    custom = {normalise_header(k): v for k, v in custom_fields.items()}
    targets: list[str | None] = []
    ignored: list[str] = []
    taken: set[str] = set()
    for header in headers:
        key = normalise_header(header)
        for prefix in ("custom", "cf"):
            if key.startswith(prefix) and key[len(prefix) :] in custom:
                key = key[len(prefix) :]
        target = ALIASES.get(key) or (f"custom.{custom[key]}" if key in custom else None)
        single = target is not None and not target.startswith(("phone:", "email:"))
        if target is None or (single and target in taken):
            targets.append(None)
            if header.strip():
                ignored.append(header.strip())
            continue
        taken.add(target)
        targets.append(target)
    return targets, ignored


def _fill(row: ParsedRow, target: str, header: str, value: str) -> None:
    if target.startswith(("phone:", "email:")):
        kind, label = target.split(":", 1)
        for part in MULTI_VALUE.split(value):
            if part.strip():
                row.add_point(f"{kind}s", part.strip(), label, header)
    elif target.startswith("custom."):
        row.data.setdefault("custom", {})[target.removeprefix("custom.")] = value
        row.columns[target] = header
    else:
        row.data[target] = value
        row.columns[target] = header


def parse_csv(content: bytes, *, custom_fields: Mapping[str, str] | None = None) -> ParsedFile:
    """Every non-blank row after the header; ``custom_fields`` maps a custom field's key and label to its key."""
    check_size(content)
    text = decode(content)
    delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[ParsedRow] = []
    try:
        headers = next(reader, None)
        while headers is not None and not any(h.strip() for h in headers):
            headers = next(reader, None)
        if headers is None:
            raise LeadFileError("The file has no header row.")
        targets, ignored = _map_headers([h.strip() for h in headers], custom_fields or {})
        if not any(targets):
            raise LeadFileError("No column is a lead field: the first row must name the columns (name, company, phone, email...).")
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise LeadFileError(f"The file has more than {MAX_ROWS} rows: split it.")
            row = ParsedRow(number=number)
            for index, cell in enumerate(cells):
                target = targets[index] if index < len(targets) else None
                value = cell.strip()
                if target is None or not value:
                    continue
                if len(value) > MAX_CELL:
                    row.problems.append((headers[index].strip(), f"At most {MAX_CELL} characters."))
                    continue
                _fill(row, target, headers[index].strip(), value)
            rows.append(row)
    except csv.Error as exc:
        raise LeadFileError(f"Line {reader.line_num}: {exc}.") from exc
    return ParsedFile(rows, [f"Column “{name}” is not a lead field and is not imported." for name in ignored[:20]])
