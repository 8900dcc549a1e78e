"""Service messages said in the user's language, through the one routine both page domains use."""

from __future__ import annotations

from django.utils import translation

from rapport.sales.views.messages import say
from rapport.web.service_errors import translate_error


def test_a_fixed_message_that_contains_a_pattern_word_is_not_taken_for_the_pattern() -> None:
    # "larger than 2 MB: split it." is the lead import's own message, not the upload limit with a value of "2 MB: split it".
    with translation.override("zh-hans"):
        assert translate_error("The file is larger than 2 MB: split it.") == "文件超过 2 MB：请拆分后导入。"
        assert translate_error("The file is larger than 10 MB.") == "文件大于 10 MB。"


def test_the_upload_messages_read_the_same_on_customer_and_sales_pages() -> None:
    message = "The file is a PNG image but its name ends in '.pdf'."
    with translation.override("zh-hans"):
        chinese = say(message)
        assert translate_error(message) == chinese
    assert "“.pdf”" in chinese and "PNG" in chinese and "PNG image" not in chinese
    with translation.override("en"):
        assert say(message) == "The file is a PNG image but its name ends in “.pdf”."


def test_a_quoted_value_survives_and_an_unknown_message_passes_unchanged() -> None:
    with translation.override("zh-hans"):
        assert "2026-13-01" in say("'2026-13-01' is not a date (YYYY-MM-DD).")
        assert say("Something no catalogue holds.") == "Something no catalogue holds."
