"""The images a soak run's gradings need, as this machine's Docker engine has them.

For each challenge of the mix: its sandbox image (the language's, or the
language's plus the challenge's packages) and, for each sidecar service, the
service's image and the services' base (a grading checks that its service
image is up to date from that base's id, so a private engine needs both).
They are the ones `make images` recorded; one missing is built here, as
grading would otherwise do during the run. The private engine gets them with
``docker save | docker load`` (``Docker.load_images``): same ids, same tags.
"""

from __future__ import annotations

from grader.challenge import load_challenge
from grader.config import get_settings
from grader.engine import Engine
from grader.images import SERVICES_BASE, ImageBuilder
from grader.prepare import image_for
from scripts.soak.common import PROJECT, say


def needed_images(challenge_ids: set[str]) -> list[str]:
    """The references (tags) of every image the challenges' gradings use, each once."""
    settings = get_settings()
    builder = ImageBuilder(settings, Engine(settings.docker_timeout_s), log=say)
    references: list[str] = []
    for challenge_id in sorted(challenge_ids):
        challenge = load_challenge(PROJECT / "challenges" / challenge_id)
        references.append(image_for(challenge, builder).reference)
        for request in challenge.services:
            # service_image, not recorded_service: preparing a challenge checks the tag
            # against the current inputs as this does, so a stale record would not do
            image = builder.service_image(request.kind.value)
            references += [SERVICES_BASE, image.reference]
    return list(dict.fromkeys(references))
