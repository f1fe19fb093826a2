"""Lessons from the loss-landscape review (``../shared/seeds/``), its comment threads and the
papers it cites, each sentence checked by ``tests/test_lessons_review.py``."""

from __future__ import annotations

from viz.lessons import Lesson

LESSONS: tuple[Lesson, ...] = ()
