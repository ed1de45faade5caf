"""The one package that runs git, with settings that make untrusted repositories safe.

Every git process gets: no prompts, no system or global config, no hooks,
protocols denied unless allowed by the caller, no submodules, no LFS smudge,
object checks on transfer, a wall-clock timeout, and (for clones) a size cap
enforced from outside the git process. Trees are read object by object, never
checked out, so nothing in a submission (a symlink, a .gitattributes filter)
acts on the host. git's errors become RepositoryError or InfrastructureError.

- command: running one git process safely (the rest of the package goes through it);
- clone: a candidate's bounded bare clone, a challenge's clone, whose fault a failure is;
- repository: trees and blobs read object by object, and seeding a hosted repository;
- history: commits and their changes, for grader/history;
- serve: upload-pack and receive-pack over smart HTTP, for grader/hosting;
- pktline: the protocol's framing, for grader/hosting.

The rest of the grader imports the names below from here (pktline's from grader.git.pktline).
"""

from grader.git.clone import CLONE_FAILURES, checkout_clone, clone_bare, clone_failure
from grader.git.command import SAFE_CONFIG
from grader.git.history import (
    NULL_SHA,
    LogChange,
    LogCommit,
    blame_lines,
    commit_people,
    commit_time,
    history_too_large,
    ignored_paths,
    is_ancestor,
    log_commits,
    object_sizes,
)
from grader.git.repository import (
    MODE_EXEC,
    MODE_FILE,
    MODE_GITLINK,
    MODE_LINK,
    TreeEntry,
    head_commit,
    is_dirty,
    read_blobs,
    resolve_commit,
    seed_bare_repository,
    tree_entries,
    tree_of,
)
from grader.git.serve import (
    SERVICES,
    advertise_refs,
    introduced_commits,
    list_refs,
    repository_bytes,
    run_service,
    stream_service,
)

__all__ = [
    "CLONE_FAILURES",
    "MODE_EXEC",
    "MODE_FILE",
    "MODE_GITLINK",
    "MODE_LINK",
    "NULL_SHA",
    "SAFE_CONFIG",
    "SERVICES",
    "LogChange",
    "LogCommit",
    "TreeEntry",
    "advertise_refs",
    "blame_lines",
    "checkout_clone",
    "clone_bare",
    "clone_failure",
    "commit_people",
    "commit_time",
    "head_commit",
    "history_too_large",
    "ignored_paths",
    "introduced_commits",
    "is_ancestor",
    "is_dirty",
    "list_refs",
    "log_commits",
    "object_sizes",
    "read_blobs",
    "repository_bytes",
    "resolve_commit",
    "run_service",
    "seed_bare_repository",
    "stream_service",
    "tree_entries",
    "tree_of",
]
