"""The worker's similarity step: store a graded submission's fingerprints, compare them.

After a graded report is stored (grader/jobs.py, ``handle_graded``),
``Indexes.record`` stores the submission's fingerprints, compares them with
every other graded submission of the same challenge, with the challenge
version's reference solution and with its starter (grader.similarity), and
stores the report. The index is kept per challenge version in the worker
process: it is built from the store once, then catches up with what other
workers stored (only the new ids' fingerprints are read; erased ones are
dropped) and gets each new submission added.

The threshold and the files left out come from the challenge version's
``[similarity]`` table (grader/challenge.py): ``exclude`` is applied to every
tree compared (the stored fingerprints keep every file, so a changed setting
applies to old submissions too).

A candidate's own earlier submissions are left out of their comparison (a
resubmission is not a copy). A similarity is evidence for a reviewer: nothing
here changes a score or a status, and the caller logs a failure here and lets
the grading stand.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.orm import Session

from grader.challenge import load_challenge
from grader.errors import ChallengeInvalid, GraderError
from grader.similarity import Fingerprints, Index, Report, Settings
from grader.similarity.winnow import SCHEME_VERSION
from grader.similarity_policy import SimilarityOptions
from grader.store import repo, similarity


@dataclass
class ChallengeIndex:
    """One challenge version's index, and whose each stored submission is."""

    index: Index
    owners: dict[str, str] = field(default_factory=dict)
    fingerprints: dict[str, Fingerprints] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()

    def add(self, submission_id: str, owner: str, fingerprints: Fingerprints) -> None:
        fingerprints = fingerprints.without(self.exclude)
        self.index.add(submission_id, fingerprints)
        self.owners[submission_id] = owner
        self.fingerprints[submission_id] = fingerprints

    def drop(self, submission_id: str) -> None:
        """Forget a submission (its candidate was erased)."""
        self.index.remove(submission_id)
        self.owners.pop(submission_id, None)
        self.fingerprints.pop(submission_id, None)

    def query(self, submission_id: str, owner: str, fingerprints: Fingerprints) -> Report:
        """Compare with every stored submission but the same candidate's."""
        own = [sid for sid, who in self.owners.items() if who == owner and sid != submission_id]
        for sid in own:
            self.index.remove(sid)
        try:
            return self.index.query(fingerprints.without(self.exclude), exclude=submission_id)
        finally:
            for sid in own:
                self.index.add(sid, self.fingerprints[sid])


def options_of(root: Path) -> SimilarityOptions:
    """The ``[similarity]`` table of the challenge version at ``root`` (its defaults if the
    manifest cannot be read: a similarity check never fails a grading)."""
    try:
        return load_challenge(root).similarity
    except ChallengeInvalid as exc:
        return exc.runnable.similarity if exc.runnable is not None else SimilarityOptions()
    except GraderError:
        return SimilarityOptions()


def threshold_of(session: Session, challenge_id: str) -> float:
    """The challenge's threshold, from its current version's manifest."""
    row = repo.get_challenge(session, challenge_id)
    version = repo.challenge_version(session, challenge_id, row.current_version) if row else None
    return (options_of(Path(version.root)) if version else SimilarityOptions()).threshold


def challenge_index(root: Path, settings: Settings) -> ChallengeIndex:
    """An empty index with the challenge version's starter and reference solution, judged
    with the version's own threshold and exclusions."""
    options = options_of(root)
    starter, solution = root / "starter", root / "solution"
    references = {"solution": Fingerprints.from_folder(solution)} if solution.is_dir() else {}
    return ChallengeIndex(
        Index(
            replace(settings, threshold=options.threshold),
            starter=Fingerprints.from_folder(starter).without(options.exclude)
            if starter.is_dir()
            else None,
            references={k: v.without(options.exclude) for k, v in references.items()},
        ),
        exclude=options.exclude,
    )


@dataclass
class Indexes:
    """The worker's indexes, one per (challenge, version)."""

    settings: Settings = field(default_factory=Settings)
    _by_version: dict[tuple[str, str], ChallengeIndex] = field(default_factory=dict)

    def record(
        self,
        session: Session,
        submission_id: str,
        *,
        challenge_id: str,
        version: str,
        root: Path,
        fingerprints: Fingerprints,
    ) -> Report:
        """Store the fingerprints and the comparison's report; the report, for the log."""
        row = repo.get_submission(session, submission_id)
        if row is None:
            raise ValueError(f"no submission {submission_id}")
        owner = similarity.owner_key(row.candidate_email, row.repo)
        index = self._caught_up(session, challenge_id, version, root)
        report = index.query(submission_id, owner, fingerprints)
        similarity.save_fingerprints(
            session, submission_id, challenge_id, SCHEME_VERSION, fingerprints.to_json()
        )
        similarity.save_result(
            session, submission_id, challenge_id, index.index.settings.threshold, report.to_json()
        )
        index.add(submission_id, owner, fingerprints)
        return report

    def _caught_up(
        self, session: Session, challenge_id: str, version: str, root: Path
    ) -> ChallengeIndex:
        key = (challenge_id, version)
        if key not in self._by_version:
            self._by_version[key] = challenge_index(root, self.settings)
        index = self._by_version[key]
        owners = similarity.owners(session, challenge_id, SCHEME_VERSION)
        for sid in [sid for sid in index.owners if sid not in owners]:
            index.drop(sid)  # erased since: never named in a comparison again
        missing = [sid for sid in owners if sid not in index.owners]
        for sid, data in similarity.fingerprints_of(session, missing).items():
            index.add(sid, owners[sid], Fingerprints.from_json(data))
        return index
