"""A real SMTP server on 127.0.0.1 (aiosmtpd) that a test can stop and start again on
the same port, recording every message it accepted."""

from __future__ import annotations

import email
import email.policy
import socket

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (
                list(envelope.rcpt_tos),
                email.message_from_bytes(
                    envelope.original_content or envelope.content, policy=email.policy.default
                ),
            )
        )
        return "250 OK"


class MailServer:
    """``start()`` / ``stop()`` as often as the test likes; ``messages`` keeps them all."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.recorder = Recorder()
        self._controller: Controller | None = None

    @property
    def messages(self):
        return self.recorder.messages

    def start(self) -> MailServer:
        if self._controller is None:
            self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.messages if address in rcpt]

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for _r, m in self.messages]
