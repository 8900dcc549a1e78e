"""The pipelines a new installation starts with.

Plain data and one function that takes the model classes, so the data
migration (with its historical models) and ``sales_setup`` share it.
"""

from __future__ import annotations

from typing import Any

# (name, kind, is_default, [(stage, probability, is_won, is_lost), ...])
DEFAULT_PIPELINES: tuple[tuple[str, str, bool, tuple[tuple[str, int, bool, bool], ...]], ...] = (
    (
        "New business",
        "new_business",
        True,
        (
            ("Prospecting", 10, False, False),
            ("Qualification", 20, False, False),
            ("Needs analysis", 40, False, False),
            ("Proposal", 60, False, False),
            ("Negotiation", 80, False, False),
            ("Won", 100, True, False),
            ("Lost", 0, False, True),
        ),
    ),
    (
        "Renewal",
        "renewal",
        False,
        (
            ("Upcoming", 50, False, False),
            ("In discussion", 70, False, False),
            ("Quote sent", 85, False, False),
            ("Renewed", 100, True, False),
            ("Churned", 0, False, True),
        ),
    ),
    (
        "Channel",
        "channel",
        False,
        (
            ("Registered by partner", 10, False, False),
            ("Approved", 30, False, False),
            ("Partner proposal", 60, False, False),
            ("Partner negotiation", 80, False, False),
            ("Won", 100, True, False),
            ("Lost", 0, False, True),
        ),
    ),
)


def create_default_pipelines(pipeline_model: Any, stage_model: Any) -> int:
    """Create the default pipelines that do not exist yet; returns how many were created."""
    created = 0
    has_default = pipeline_model.objects.filter(is_default=True).exists()
    for name, kind, is_default, stages in DEFAULT_PIPELINES:
        if pipeline_model.objects.filter(name=name).exists():
            continue
        pipeline = pipeline_model.objects.create(name=name, kind=kind, is_default=is_default and not has_default)
        stage_model.objects.bulk_create(
            [
                stage_model(pipeline=pipeline, name=stage, position=position, probability=probability, is_won=won, is_lost=lost)
                for position, (stage, probability, won, lost) in enumerate(stages, start=1)
            ]
        )
        created += 1
    return created
