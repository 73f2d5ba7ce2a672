"""Pieces shared by the pydantic schemas of files people write (sheets, reference data)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from app.core.vocabularies import Vocabularies

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=120)]
HttpUrl = Annotated[str, Field(pattern=r"^https?://\S+$", max_length=500)]

# Validation context for data that was checked on its way into the database: stored rows keep
# vocabulary keys that a later edit of data/vocabularies.yml may have dropped.
TRUSTED: dict[str, Any] = {"trusted": True}


class Strict(BaseModel):
    """Common settings: unknown fields are errors, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _vocab(info: ValidationInfo) -> Vocabularies | None:
    """Return the vocabularies to check keys against, or None for trusted stored data."""
    context = info.context or {}
    if context.get("trusted"):
        return None
    if "vocab" not in context:
        raise ValueError("validation needs the vocabularies as context")
    return context["vocab"]


def vocabulary_key(name: str) -> Any:
    """Return a string type that must be a key of the named vocabulary list."""

    def check(value: str, info: ValidationInfo) -> str:
        vocab = _vocab(info)
        if vocab is None:
            return value
        allowed = vocab.keys(name)
        if value not in allowed:
            raise ValueError(f"unknown value {value!r}; allowed: {', '.join(allowed)}")
        return value

    return Annotated[str, AfterValidator(check)]
