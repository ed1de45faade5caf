"""Input and output shapes of /api/invitations; the values are checked by grader/hosting/terms.py,
the validator the CLI uses too, so both refuse the same values with the same words."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from grader.hosting import deadlines, terms


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: str = Field(max_length=100)
    candidate: str = Field(max_length=320, description="the candidate's email")
    external_repo: str | None = Field(default=None, max_length=2000)
    opens_at: str | None = Field(
        default=None, max_length=40, description="RFC 3339 with a zone: no clone or push before"
    )
    due_at: str | None = Field(default=None, max_length=40, description="a fixed deadline")
    duration: str | None = Field(
        default=None,
        max_length=20,
        description="e.g. 72h: from opens_at, else from the first clone or push",
    )
    late: str | None = Field(
        default=None, max_length=20, description="refuse or accept-late (default: the challenge's)"
    )
    _request: terms.InvitationRequest | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _checked(self) -> Self:
        try:
            self._request = terms.invitation_request(
                self.challenge,
                self.candidate,
                now=deadlines.clock(),
                external_repo=self.external_repo,
                opens_at=self.opens_at,
                due_at=self.due_at,
                duration=self.duration,
                late=self.late,
            )
        except terms.InvalidRequest as exc:
            raise ValueError(str(exc)) from None
        return self

    @property
    def request(self) -> terms.InvitationRequest:
        assert self._request is not None
        return self._request


class ExtensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: str | None = Field(default=None, max_length=20, description="a duration, e.g. 24h")
    to: str | None = Field(default=None, max_length=40, description="RFC 3339 with a zone")
    _change: terms.Extension | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _checked(self) -> Self:
        try:
            self._change = terms.extension(self.by, self.to)
        except terms.InvalidRequest as exc:
            raise ValueError(str(exc)) from None
        return self

    @property
    def change(self) -> terms.Extension:
        assert self._change is not None
        return self._change


class GradedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    submission: str | None = Field(
        max_length=36, description="one of the invitation's submissions; null: the default"
    )


class DeadlineOut(BaseModel):
    opens_at: str | None
    due_at: str | None = Field(description="None: no deadline, or its clock has not started")
    duration: str | None
    late_policy: str
    seconds_left: int | None
    passed: bool


class InvitationView(BaseModel):
    """An invitation as listed and shown: never its token nor its webhook secret."""

    id: str
    challenge: str
    candidate: str
    clone_url: str
    external_repo: str | None
    pushes: int
    created_at: str
    started_at: str | None = Field(description="the candidate's first clone or push")
    revoked_at: str | None
    deadline: DeadlineOut
    graded_submission: str | None = Field(
        description="the submission that counts: a reviewer's choice, else the last in time"
    )
    graded_chosen: bool


class InvitationOut(InvitationView):
    """What to send the candidate; the token is shown once (absent for an existing one)."""

    token: str | None = None
    webhook_secret: str | None = None
    existing: bool = Field(default=False, description="true: the candidate's first invitation")
