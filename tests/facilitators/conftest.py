from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import CourseFactory, ProgrammeFactory, TrainingFactory


@pytest.fixture
def programme(db):
    return ProgrammeFactory(name="HOPE for carers")


@pytest.fixture
def course(programme):
    """Six weekly sessions starting in three weeks."""
    return CourseFactory(
        programme=programme,
        title="Carers – Tuesdays",
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(weeks=3),
    )


@pytest.fixture
def workforce(workforce_facilitator, programme):
    profile = workforce_facilitator.facilitator_profile
    TrainingFactory(profile=profile, programme=programme)
    return profile


@pytest.fixture
def lived(lived_facilitator, programme):
    profile = lived_facilitator.facilitator_profile
    TrainingFactory(profile=profile, programme=programme)
    return profile
