"""Image records: a recorded image is used only while its inputs are unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from grader.config import Settings
from grader.images import ImageBuilder


class FakeEngine:
    def image_id(self, reference: str) -> str | None:
        return "sha256:" + "a" * 64


def builder_with_record(settings: Settings, reference: str | None = None) -> ImageBuilder:
    builder = ImageBuilder(settings, FakeEngine(), log=lambda _m: None)  # type: ignore[arg-type]
    tag = reference or builder._tag("python", "sha256:base")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "images.json").write_text(
        json.dumps(
            {
                "python": {
                    "reference": tag,
                    "image_id": "sha256:" + "a" * 64,
                    "python_version": "3.11",
                    "base_id": "sha256:base",
                }
            }
        )
    )
    return builder


def test_an_unchanged_recorded_image_is_used(settings: Settings) -> None:
    image = builder_with_record(settings).recorded("python")
    assert image is not None and image.python_version == "3.11"


def test_a_recorded_image_whose_inputs_changed_is_not_used(settings: Settings) -> None:
    # As after an edit of the runner or the Dockerfile: the tag no longer matches.
    assert (
        builder_with_record(settings, "grader-python:0000000000000000").recorded("python") is None
    )


def test_no_record_means_no_image(tmp_path: Path, settings: Settings) -> None:
    builder = ImageBuilder(settings, FakeEngine(), log=lambda _m: None)  # type: ignore[arg-type]
    assert builder.recorded("python") is None
