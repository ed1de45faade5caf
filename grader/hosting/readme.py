"""The README a candidate's hosted repository is seeded with: how they are graded.

Generated from the manifest, so it cannot drift from what the grader does: how
to submit (a push to ``main``; other branches are not graded), the deadline,
the language and its version, the time and memory limits and no network, the
skills and their weights, what the candidate is told after a push (the
feedback policy), the gradings limit, and the files the grader ignores. The
starter's own README, if it has one, comes first, under the challenge's title.
Every file it names is in the seeded repository (tests/grader/hosting check
each challenge).
"""

from __future__ import annotations

from grader.challenge import Challenge
from grader.feedback import Policy
from grader.hosting.repositories import DEFAULT_BRANCH
from grader.languages import Language, support

STATEMENT = "STATEMENT.md"  # where the seeded repository keeps the task statement
# What each sandbox image runs (sandbox_images/<language>/, docs/sandbox.md).
VERSIONS = {
    Language.PYTHON: "Python 3.11 (write code that runs on 3.11; the sandbox may run 3.12)",
    Language.NODE: "Node.js 18",
    Language.JAVA: "Java 17 (OpenJDK 17; JUnit 5 for tests)",
}
NO_DEADLINE = "none is set for this invitation"
TELLS = {
    Policy.NONE: "that it was received and graded; the scores go to the reviewers only",
    Policy.SUMMARY: "your overall score and your score per skill",
    Policy.VISIBLE: "your overall and per-skill scores, and the outcome and message of the "
    "tests marked visible (the other tests stay hidden)",
}


def seed_readme(challenge: Challenge, starter_readme: str | None, deadline: str | None) -> str:
    """The README.md of a seeded repository; ``deadline`` is the invitation's, said plainly
    (``None``: the invitation has none)."""
    intro = _intro(starter_readme)
    parts = [f"# {challenge.title}", f"The task is in [{STATEMENT}]({STATEMENT})."]
    if intro:
        parts.append(intro)
    parts.append(grading_section(challenge, deadline))
    return "\n\n".join(parts) + "\n"


def _intro(starter_readme: str | None) -> str:
    """The starter's README without its own title (the challenge's replaces it)."""
    lines = (starter_readme or "").strip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(lines).strip()


def grading_section(challenge: Challenge, deadline: str | None) -> str:
    limits = challenge.limits
    lines = [
        "## How you are graded",
        "",
        f"- **Submitting:** commit, then `git push` to `{DEFAULT_BRANCH}`. Each push to "
        f"`{DEFAULT_BRANCH}` is graded; a push to another branch is kept but not graded.",
        f"- **Deadline:** {deadline or NO_DEADLINE}.",
        f"- **Language:** {VERSIONS[challenge.language]}.",
    ]
    if challenge.packages:
        lines.append("- **Installed packages:** " + ", ".join(f"`{p}`" for p in challenge.packages))
    lines += [
        f"- **Limits:** the whole hidden test suite gets {limits.timeout_s:g} s, "
        f"{limits.memory_mb} MB of memory and {limits.cpus:g} CPU; it has no network access"
        + (" (besides the services the statement names)." if challenge.services else "."),
        f"- **After a push**, `git push` prints {TELLS[challenge.feedback.policy]} once the "
        "grading is done (or a link to the page where it will be).",
    ]
    if challenge.feedback.max_gradings is not None:
        lines.append(
            f"- **Gradings:** your first {challenge.feedback.max_gradings} pushes to "
            f"`{DEFAULT_BRANCH}` are graded; later ones are kept, and graded only if a "
            "reviewer asks."
        )
    lines += ["", *_skills(challenge), "", *_ignored(challenge)]
    return "\n".join(lines)


def _skills(challenge: Challenge) -> list[str]:
    rows = [(s.name, s.weight, "hidden tests") for s in challenge.skills]
    if challenge.version_control_weight > 0:
        rows.append(("version_control", challenge.version_control_weight, "your git history"))
    total = sum(weight for _name, weight, _how in rows) or 1.0
    return [
        "The score is a weighted mean of these skills (each 0 to 100):",
        "",
        "| Skill | Weight | Share | Judged from |",
        "|---|---:|---:|---|",
        *(
            f"| {name.replace('_', ' ')} | {weight:g} | {weight / total:.0%} | {how} |"
            for name, weight, how in rows
        ),
    ]


def _ignored(challenge: Challenge) -> list[str]:
    language = support(challenge.language)
    names = [f"`{n}`" for n in sorted(language.neutralised_names)]
    names += [f"`*{s}`" for s in language.neutralised_suffixes]
    lines = [
        "The grader ignores these files of your repository:",
        "",
        "- a top-level `hidden` folder: the challenge's own tests take its place;",
    ]
    if names:
        lines.append(f"- {', '.join(names)} anywhere: they would configure the test runner;")
    lines.append("- `node_modules` folders: dependencies come from the challenge.")
    return lines
