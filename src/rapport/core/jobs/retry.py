"""How often a failed task is tried again, and how long to wait in between.

``@retrying(max_attempts=5)`` goes above django-tasks' ``@task()`` and records
the policy for that task; tasks without one get the default
(``RAPPORT_TASK_MAX_ATTEMPTS`` attempts). The worker asks ``policy_for`` when a
task raises. Errors a service raises on purpose (``RapportError``: bad input,
not found, not allowed) are not retried: trying again cannot fix them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings

from rapport.common.errors import RapportError

TaskT = TypeVar("TaskT")


def _always(exc: BaseException) -> bool:
    return True


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 10.0
    factor: float = 2.0
    max_delay: float = 3600.0
    # Each delay is shortened by up to this fraction at random, so tasks that
    # failed together (an SMTP server down) do not all come back at once.
    jitter: float = 0.5
    give_up_on: tuple[type[BaseException], ...] = (RapportError,)
    retry_if: Callable[[BaseException], bool] = _always

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter is a fraction between 0 and 1")

    def should_retry(self, exc: BaseException, *, attempt: int) -> bool:
        """Whether attempt number ``attempt`` (1-based), which raised ``exc``, gets another."""
        if attempt >= self.max_attempts or isinstance(exc, self.give_up_on):
            return False
        return self.retry_if(exc)

    def delay(self, attempt: int, rng: random.Random | None = None) -> timedelta:
        """The wait after failed attempt ``attempt``: base × factor^(attempt−1), capped, minus jitter."""
        capped = min(self.max_delay, self.base_delay * self.factor ** max(attempt - 1, 0))
        spread = (rng or random).random() * self.jitter
        return timedelta(seconds=capped * (1 - spread))


_policies: dict[str, RetryPolicy] = {}


def retrying(
    *,
    max_attempts: int,
    base_delay: float = 10.0,
    factor: float = 2.0,
    max_delay: float = 3600.0,
    jitter: float = 0.5,
    give_up_on: tuple[type[BaseException], ...] = (RapportError,),
    retry_if: Callable[[BaseException], bool] = _always,
) -> Callable[[TaskT], TaskT]:
    """Record the retry policy of the task below it and return the task unchanged."""
    policy = RetryPolicy(
        max_attempts=max_attempts,
        base_delay=base_delay,
        factor=factor,
        max_delay=max_delay,
        jitter=jitter,
        give_up_on=give_up_on,
        retry_if=retry_if,
    )

    def register(task: TaskT) -> TaskT:
        module_path: Any = getattr(task, "module_path", None)
        if not isinstance(module_path, str):
            raise TypeError("@retrying goes above @task(): it needs a django-tasks Task")
        _policies[module_path] = policy
        return task

    return register


def default_policy() -> RetryPolicy:
    return RetryPolicy(max_attempts=settings.RAPPORT_TASK_MAX_ATTEMPTS)


def policy_for(task_path: str) -> RetryPolicy:
    """The policy of the task at ``task_path``; import the task first (running it does)."""
    return _policies.get(task_path) or default_policy()
