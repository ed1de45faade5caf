"""Hosted repositories for candidates: invitations, and the pushes they receive.

- repositories: where a hosted repository lives, which one a URL names, who may use it;
- invitations: an invitation's token and its repository, seeded with the challenge;
- pushes: receiving a push over smart HTTP (or hearing of one from a webhook),
  within the per-candidate limits, and queueing a grading of a new ``main``.

Nothing is re-exported here: importing grader.hosting.repositories (the queue's
job does, to read hosted repositories from disk) must not import the pushes,
which queue gradings.
"""
