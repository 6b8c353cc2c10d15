"""Enums with HeyGen's exact wire values (contract sections 4, 7 and 8)."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Age",
    "AvatarStyle",
    "BackgroundFit",
    "Ethnicity",
    "Fit",
    "Gender",
    "GenerationStatus",
    "Orientation",
    "PhotoAvatarStatus",
    "Pose",
    "Style",
    "TrainingStatus",
    "VideoOrientation",
    "VideoStatus",
]


class Age(StrEnum):
    YOUNG_ADULT = "Young Adult"
    EARLY_MIDDLE_AGE = "Early Middle Age"
    LATE_MIDDLE_AGE = "Late Middle Age"
    SENIOR = "Senior"
    UNSPECIFIED = "Unspecified"


class Gender(StrEnum):
    WOMAN = "Woman"
    MAN = "Man"
    UNSPECIFIED = "Unspecified"


class Ethnicity(StrEnum):
    WHITE = "White"
    BLACK = "Black"
    ASIAN_AMERICAN = "Asian American"
    EAST_ASIAN = "East Asian"
    SOUTH_EAST_ASIAN = "South East Asian"
    SOUTH_ASIAN = "South Asian"
    MIDDLE_EASTERN = "Middle Eastern"
    PACIFIC = "Pacific"
    HISPANIC = "Hispanic"
    UNSPECIFIED = "Unspecified"


class Orientation(StrEnum):
    SQUARE = "square"
    HORIZONTAL = "horizontal"
    VERTICAL = "vertical"


class Pose(StrEnum):
    HALF_BODY = "half_body"
    CLOSE_UP = "close_up"
    FULL_BODY = "full_body"


class Style(StrEnum):
    REALISTIC = "Realistic"
    PIXAR = "Pixar"
    CINEMATIC = "Cinematic"
    VINTAGE = "Vintage"
    NOIR = "Noir"
    CYBERPUNK = "Cyberpunk"
    UNSPECIFIED = "Unspecified"


class VideoOrientation(StrEnum):
    """Avatar IV output shape: portrait 720x1280, landscape 1280x720, square 720x720."""

    PORTRAIT = "portrait"
    LANDSCAPE = "landscape"
    SQUARE = "square"


class Fit(StrEnum):
    COVER = "cover"
    CONTAIN = "contain"


BackgroundFit = Fit


class AvatarStyle(StrEnum):
    NORMAL = "normal"
    CLOSE_UP = "closeUp"
    CIRCLE = "circle"


class VideoStatus(StrEnum):
    WAITING = "waiting"
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (VideoStatus.COMPLETED, VideoStatus.FAILED)


class GenerationStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    IN_PROGRESS = "in_progress"
    SUCCESS = "success"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (GenerationStatus.SUCCESS, GenerationStatus.FAILED)


class PhotoAvatarStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class TrainingStatus(StrEnum):
    PENDING = "pending"
    TRAINING = "training"
    READY = "ready"
    FAILED = "failed"
