"""git's pkt-line framing: reading a push's command list and refusing it in the client's terms."""

import io

from grader.git.pktline import PushCommand, read_push_request, refusal


def test_a_refusal_speaks_whatever_the_client_asked_for() -> None:
    command = b"0" * 40 + b" " + b"1" * 40 + b" refs/heads/main"
    for caps, expected in [
        (b"report-status side-band-64k", b"\x02error: too big\n"),
        (b"report-status", b"ng refs/heads/main too big\n"),
        (b"", b"ERR too big\n"),
    ]:
        line = command + b"\0" + caps
        body = io.BytesIO(f"{len(line) + 4:04x}".encode() + line + b"0000PACK...")
        request = read_push_request(body)
        assert request.commands == (PushCommand("0" * 40, "1" * 40, "refs/heads/main"),)
        assert body.tell() == 0
        assert expected in refusal(request, "too big")
