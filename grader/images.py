"""Sandbox images: the base, one image per language, built offline and tagged by content.

Where a registry base (``GRADER_BASE_IMAGE``, default python:3.12-slim) can be
pulled it is used; otherwise the grader builds its own base once with
debootstrap and ``docker import``. Language images add a virtualenv with
packages from a wheelhouse downloaded on the host, so no build and no sandbox
ever needs the network. Each image's tag is a hash of everything that went
into it, so it is rebuilt only when one of those inputs changes; the choice is
recorded in ``<data_dir>/images.json`` so that grading never pulls or builds.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.config import PROJECT_ROOT, Settings
from grader.engine import Engine
from grader.errors import InfrastructureError
from grader.languages import Language, support

RUNNER_DIR = PROJECT_ROOT / "grader" / "runner"
OFFLINE_BASE = "grader-base:bookworm"
DEBOOTSTRAP_PACKAGES = ["python3", "python3-venv", "nodejs"]
# The sidecar services' own base: Debian's servers, nothing of the languages.
SERVICES_BASE = "grader-services-base:bookworm"
SERVICE_PACKAGES = ["postgresql-15", "redis-server", "redis-tools"]
Log = Callable[[str], None]


@dataclass(frozen=True)
class SandboxImage:
    reference: str
    image_id: str
    python_version: str


def _print(message: str) -> None:
    print(f"[images] {message}", flush=True)


def _digest(parts: list[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def _tree_bytes(folder: Path) -> list[bytes]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return [str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes() for p in files]


def language_dirs(settings: Settings) -> list[str]:
    """The languages that have a sandbox image: folders of images_dir with a Dockerfile."""
    return sorted(p.name for p in settings.images_dir.iterdir() if (p / "Dockerfile").is_file())


class ImageBuilder:
    def __init__(self, settings: Settings, engine: Engine, log: Log = _print) -> None:
        self.settings = settings
        self.engine = engine
        self.log = log
        self.state_path = settings.data_dir / "images.json"

    # -- base -----------------------------------------------------------
    def base(self, language: str = Language.PYTHON) -> str:
        """The id of a usable base image, pulling or building it if needed."""
        wanted_base = support(language).base
        if wanted_base.packages:  # Debian's own packages (Java: the JDK and JUnit 5's jars)
            return self.image_or_debootstrap(wanted_base.name, list(wanted_base.packages))
        if wanted_base.offline:  # more than a registry's Python base has (Node.js)
            return self.offline_base()
        wanted = self.settings.base_image
        image = self.engine.image_id(wanted)
        if image:
            self.log(f"base: {wanted} (present locally)")
            return image
        image = self.engine.try_pull(wanted)
        if image:
            self.log(f"base: {wanted} (pulled from a registry)")
            return image
        self.log(f"base: {wanted} cannot be pulled; using {OFFLINE_BASE}")
        return self.offline_base()

    def offline_base(self) -> str:
        """The grader's own Debian base (python3 and nodejs), built with debootstrap once."""
        image = self.engine.image_id(OFFLINE_BASE)
        if image:
            self.log(f"base: {OFFLINE_BASE} (built offline earlier)")
            return image
        self.log(f"base: building {OFFLINE_BASE} offline with debootstrap")
        return self._build_offline_base()

    def image_or_debootstrap(self, name: str, packages: list[str]) -> str:
        """A base of Debian packages, built offline with debootstrap the first time."""
        image = self.engine.image_id(name)
        if image:
            return image
        self.log(f"base: building {name} offline with debootstrap")
        return self._build_offline_base(name, packages)

    def _build_offline_base(
        self, name: str = OFFLINE_BASE, packages: list[str] = DEBOOTSTRAP_PACKAGES
    ) -> str:
        if shutil.which("debootstrap") is None:
            raise InfrastructureError("debootstrap is not installed (run `make engine` as root)")
        work = self.settings.subdir("base")
        rootfs = work / "rootfs"
        if rootfs.exists():
            shutil.rmtree(rootfs)
        command = [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(packages)}",
            "bookworm",
            str(rootfs),
        ]
        self.log(" ".join(command) + "  (about a minute)")
        _run(command, timeout_s=900)
        tar_path = work / "rootfs.tar"
        _run(["tar", "-C", str(rootfs), "-cf", str(tar_path), "."], timeout_s=300)
        image = self.engine.import_rootfs(tar_path, name)
        tar_path.unlink()
        shutil.rmtree(rootfs)
        self.log(f"base: imported {name}")
        return image

    # -- service images (grader/services.py) ------------------------------
    def service_image(self, kind: str) -> SandboxImage:
        """A sidecar service's image (PostgreSQL, Redis), built offline if its inputs changed:
        Debian's packages in a base of their own, the grader's start-up on top."""
        source = self.settings.images_dir / "services" / kind
        if not (source / "Dockerfile").is_file():
            raise InfrastructureError(f"no image for service {kind!r} in {source}")
        base_id = self.image_or_debootstrap(SERVICES_BASE, SERVICE_PACKAGES)
        tag = f"grader-{kind}:{_digest([base_id.encode(), *_tree_bytes(source)])}"
        image_id = self.engine.image_id(tag)
        if image_id:
            self.log(f"{kind}: {tag} is up to date")
        else:
            self.log(f"{kind}: building {tag}")
            with tempfile.TemporaryDirectory(prefix="grader-build-") as tmp:
                shutil.copytree(source, tmp, dirs_exist_ok=True)
                image_id = self.engine.build(Path(tmp), tag, {"BASE": base_id})
        image = SandboxImage(tag, image_id, "")
        self._record(f"service:{kind}", image, base_id)
        return image

    def recorded_service(self, kind: str) -> SandboxImage | None:
        """The service image recorded at ``make images`` or preparation, if it still exists."""
        entry = load_state(self.state_path).get(f"service:{kind}")
        if not entry or self.engine.image_id(entry["reference"]) is None:
            return None
        return SandboxImage(entry["reference"], entry["image_id"], "")

    # -- language images ------------------------------------------------
    def language_image(self, language: str, base_id: str | None = None) -> SandboxImage:
        """The language's sandbox image, built if its inputs changed."""
        source = self.settings.images_dir / language
        if not (source / "Dockerfile").is_file():
            raise InfrastructureError(f"no sandbox image for language {language!r} in {source}")
        base_id = base_id or self.base(language)
        tag = self._tag(language, base_id)
        python_version = self._python_version(base_id)
        image_id = self.engine.image_id(tag)
        if image_id:
            self.log(f"{language}: {tag} is up to date")
        else:
            self.log(f"{language}: building {tag}")
            image_id = self._build(source, tag, base_id, python_version)
        result = SandboxImage(tag, image_id, python_version)
        self._record(language, result, base_id)
        return result

    def _tag(self, language: str, base_id: str) -> str:
        """The image's tag: a hash of everything that goes into it."""
        source = self.settings.images_dir / language
        inputs = [base_id.encode(), *_tree_bytes(source), *_tree_bytes(RUNNER_DIR)]
        return f"grader-{language}:{_digest(inputs)}"

    def _python_version(self, base_id: str) -> str:
        out = self.engine.run_in_image(
            base_id, ["python3", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"]
        )
        return out.strip().splitlines()[-1]

    def _build(self, source: Path, tag: str, base_id: str, python_version: str) -> str:
        with tempfile.TemporaryDirectory(prefix="grader-build-") as tmp:
            context = Path(tmp)
            shutil.copytree(source, context, dirs_exist_ok=True)
            shutil.copytree(
                RUNNER_DIR,
                context / "runner",
                ignore=shutil.ignore_patterns("__pycache__", "__init__.py"),
            )
            wheels = context / "wheels"
            wheels.mkdir(exist_ok=True)
            requirements = context / "requirements.txt"
            if requirements.exists():
                download_wheels(requirements, wheels, python_version, self.log)
            return self.engine.build(context, tag, {"BASE": base_id})

    # -- the record used at grading time --------------------------------
    def _record(self, language: str, image: SandboxImage, base_id: str) -> None:
        state = load_state(self.state_path)
        state[language] = {
            "reference": image.reference,
            "image_id": image.image_id,
            "python_version": image.python_version,
            "base_id": base_id,
        }
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        self.state_path.write_text(json.dumps(state, indent=2))

    def recorded(self, language: str) -> SandboxImage | None:
        """The image recorded for a language, if it still exists and its inputs (the runner,
        the Dockerfile) have not changed since; a stale image is never used for grading."""
        entry = load_state(self.state_path).get(language)
        if not entry or self._tag(language, entry.get("base_id", "")) != entry["reference"]:
            return None
        image_id = self.engine.image_id(entry["reference"])
        if image_id is None:
            return None
        return SandboxImage(entry["reference"], image_id, entry["python_version"])

    def for_language(self, language: str) -> SandboxImage:
        """For grading: the recorded image, or build it now (CLI use before `make images`)."""
        return self.recorded(language) or self.language_image(language)


def load_state(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def download_wheels(requirements: Path, dest: Path, python_version: str, log: Log) -> None:
    """pip download, on the host, wheels for the image's Python and platform."""
    machine = platform.machine()
    command = [
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "--python-version",
        python_version,
        "--implementation",
        "cp",
        "--platform",
        f"manylinux2014_{machine}",
        "--platform",
        f"manylinux_2_28_{machine}",
        "--platform",
        f"manylinux_2_17_{machine}",
        "--dest",
        str(dest),
        "-r",
        str(requirements),
    ]
    log(f"downloading wheels for Python {python_version} ({requirements.name})")
    _run([shutil.which("pip") or "pip", *command[1:]], timeout_s=600)


def _run(command: list[str], timeout_s: float) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=timeout_s)
    except subprocess.CalledProcessError as exc:
        tail = (exc.stderr or b"").decode(errors="replace")[-2000:]
        raise InfrastructureError(f"{command[0]} failed: {tail}") from exc
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfrastructureError(f"{command[0]} failed: {exc}") from exc


ENV_DOCKERFILE = """\
ARG BASE
FROM ${BASE}
USER root
COPY wheels/ /tmp/wheels/
COPY lock.txt /opt/grader/lock.txt
RUN /opt/venv/bin/pip install --no-index --no-cache-dir --disable-pip-version-check \\
        --find-links /tmp/wheels -r /opt/grader/lock.txt \\
 && rm -rf /tmp/wheels
USER 10001:10001
"""


class PackageNotFound(InfrastructureError):
    """A challenge's [environment] package that pip cannot resolve (the author's to fix)."""


def environment_image(
    builder: ImageBuilder, language: SandboxImage, packages: tuple[str, ...]
) -> SandboxImage:
    """The language image plus a challenge's packages, resolved once and locked.

    The lock (exact versions of every wheel installed) is kept in the data
    folder, keyed by the Python version and the requested packages only, so any
    rebuild (a new runner, a pruned image) installs the same versions.
    """
    requested = [p.encode() for p in sorted(packages)]
    key = _digest([language.image_id.encode(), ENV_DOCKERFILE.encode(), *requested])
    lock_key = _digest([language.python_version.encode(), *requested])
    tag = f"grader-env:{key}"
    image_id = builder.engine.image_id(tag)
    locks = builder.settings.subdir("locks")
    lock_path = locks / f"{lock_key}.txt"
    if image_id:
        if not lock_path.exists():  # built with another data folder: the image keeps its lock
            lock_path.write_text(builder.engine.run_in_image(tag, ["cat", "/opt/grader/lock.txt"]))
        return SandboxImage(tag, image_id, language.python_version)
    builder.log(f"environment: building {tag} for {', '.join(packages)}")
    with tempfile.TemporaryDirectory(prefix="grader-env-") as tmp:
        context = Path(tmp)
        wheels = context / "wheels"
        wheels.mkdir()
        requirements = context / "requested.txt"
        source = lock_path if lock_path.exists() else None
        requirements.write_text(source.read_text() if source else "\n".join(packages) + "\n")
        try:
            download_wheels(requirements, wheels, language.python_version, builder.log)
        except InfrastructureError as exc:
            raise PackageNotFound(f"environment.packages cannot be installed: {exc}") from exc
        (context / "Dockerfile").write_text(ENV_DOCKERFILE)
        image_id, lock = _build_locked(builder, context, tag, language)
        lock_path.write_text(lock)
    return SandboxImage(tag, image_id, language.python_version)


MISSING = re.compile(r"No matching distribution found for ([^;\s]+)")


def _build_locked(
    builder: ImageBuilder, context: Path, tag: str, language: SandboxImage
) -> tuple[str, str]:
    """Build the environment image from the wheels downloaded; returns (id, lock).

    pip on the host decides markers such as ``python_full_version < "3.11.3"`` with the
    host's Python, not the image's, so the image's pip may ask for a wheel nobody
    downloaded (redis-py's async-timeout). The build then names it: it is downloaded
    too, and the build tried again, a few times at most."""
    wheels = context / "wheels"
    for _attempt in range(5):
        lock = "".join(f"{name}=={version}\n" for name, version in _wheel_versions(wheels))
        (context / "lock.txt").write_text(lock)
        try:
            return builder.engine.build(context, tag, {"BASE": language.reference}), lock
        except InfrastructureError as exc:
            missing = MISSING.search(str(exc))
            if missing is None:
                raise
            extra = context / "extra.txt"
            extra.write_text(missing.group(1) + "\n")
            builder.log(f"environment: the image's Python also needs {missing.group(1)}")
            download_wheels(extra, wheels, language.python_version, builder.log)
    raise InfrastructureError(f"building {tag}: the image kept asking for more wheels")


def _wheel_versions(wheels: Path) -> list[tuple[str, str]]:
    found = []
    for wheel in sorted(wheels.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        found.append((name.replace("_", "-").lower(), version))
    return found
