"""Reading files of leads: a module per format, one shape out.

``csv_file`` reads spreadsheets saved as CSV (Excel's UTF-8, UTF-8 with BOM
and GB18030 exports; comma, semicolon, tab or bar delimited); ``vcard`` reads
vCard 2.1/3.0/4.0 files of business cards. Both return ``ParsedRow``s whose
``data`` is what ``customers.services.lead_create`` takes, with the file's
column (or vCard property) each field came from, so that a validation error
can name the row and the column.

A file that cannot be read at all raises ``LeadFileError`` (the one exception
these parsers raise, which the fuzz tests hold them to); a row that is wrong
is reported on that row and the other rows are still read.
"""

from __future__ import annotations

from rapport.customers.lead_files.common import FORMATS, MAX_BYTES, MAX_ROWS, LeadFileError, ParsedFile, ParsedRow, detect_format, parse

__all__ = ["FORMATS", "MAX_BYTES", "MAX_ROWS", "LeadFileError", "ParsedFile", "ParsedRow", "detect_format", "parse"]
