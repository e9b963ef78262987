"""Text messages through GOV.UK Notify, against a local server that checks each request
the way Notify's API does: the path, the JSON and a Bearer JWT signed with the key's
secret (HS256) whose issuer is the service ID. Any refusal makes the outbox retry."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from hope.channels import (
    CHANNELS,
    SMS_MAX_CHARS,
    NotifySMSChannel,
    configured_channels,
    sms_text,
)
from hope.models import Message, MessageStatus
from hope.outbox import send_due
from programmes.models import Channel
from programmes.services.participants import place_request
from tests.factories import CourseFactory, ParticipantFactory

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"hope_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.uuid4())


class FakeNotify(ThreadingHTTPServer):
    """Answers like api.notifications.service.gov.uk: 403 for a bad token, 400 for a bad
    request, otherwise ``self.answer`` (201 unless a test says otherwise)."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), NotifyHandler)
        self.requests: list[dict] = []
        self.answer = 201

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class NotifyHandler(BaseHTTPRequestHandler):
    server: FakeNotify

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "body": body, "headers": self.headers})
        if self.path != "/v2/notifications/sms":
            return self.reply(404, {"errors": [{"error": "NotFound"}]})
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError as error:
            return self.reply(403, {"errors": [{"error": "AuthError", "message": str(error)}]})
        fresh = abs(claims.get("iat", 0) - time.time()) <= 30
        if scheme != "Bearer" or claims.get("iss") != SERVICE_ID or not fresh:
            return self.reply(403, {"errors": [{"error": "AuthError", "message": "Invalid token"}]})
        if (
            self.headers.get("Content-Type") != "application/json"
            or not body.get("phone_number")
            or body.get("template_id") != TEMPLATE_ID
            or not isinstance(body.get("personalisation", {}).get("body"), str)
        ):
            return self.reply(400, {"errors": [{"error": "BadRequestError"}]})
        if self.server.answer != 201:
            return self.reply(self.server.answer, {"errors": [{"error": "Exception"}]})
        self.reply(
            201,
            {
                "id": str(uuid.uuid4()),
                "reference": body.get("reference"),
                "content": {"body": body["personalisation"]["body"], "from_number": "HOPE"},
                "uri": f"{self.server.url}/v2/notifications/1",
                "template": {"id": TEMPLATE_ID, "version": 1, "uri": "x"},
            },
        )

    def reply(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def notify():
    server = FakeNotify()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def use_notify(monkeypatch, base_url: str, api_key: str = API_KEY, timeout: float = 5) -> None:
    """Texts on, as when NOTIFY_API_KEY is set, going to ``base_url``."""
    channel = NotifySMSChannel(
        api_key=api_key, template_id=TEMPLATE_ID, base_url=base_url, timeout=timeout
    )
    monkeypatch.setitem(CHANNELS, "sms", channel)


@pytest.fixture
def sms_on(notify, monkeypatch):
    use_notify(monkeypatch, notify.url)
    return notify


def texter(**kwargs):
    return ParticipantFactory(
        preferred_channel=Channel.SMS, mobile="07700 900123", email="", **kwargs
    )


@pytest.mark.django_db
def test_a_text_reaches_notify_as_its_api_expects(sms_on, coordinator):
    course = CourseFactory(title="Living well – Tuesdays")
    place_request(participant=texter(), course=course, by=coordinator)
    message = Message.objects.get()
    assert (message.channel, message.to_address, message.body_html) == ("sms", "07700 900123", "")
    assert send_due() == 1
    [request] = sms_on.requests
    assert request["path"] == "/v2/notifications/sms"
    assert request["body"]["phone_number"] == "07700 900123"
    assert request["body"]["template_id"] == TEMPLATE_ID
    assert request["body"]["personalisation"] == {"body": message.body_text}
    assert request["body"]["reference"] == f"hope-message-{message.pk}"
    assert message.body_text.startswith("HOPE: you have a place on Living well - Tuesdays.")
    assert "Ring your HOPE coordinator" in message.body_text
    assert Message.objects.get().status == MessageStatus.SENT
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("answer", [400, 429, 500, 503])
def test_notify_refusing_or_failing_makes_the_outbox_retry(sms_on, coordinator, answer):
    sms_on.answer = answer
    place_request(participant=texter(), course=CourseFactory(), by=coordinator)
    assert send_due() == 0
    message = Message.objects.get()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert str(answer) in message.last_error
    sms_on.answer = 201
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        assert send_due() == 1
    assert Message.objects.get().status == MessageStatus.SENT
    assert len(sms_on.requests) == 2


@pytest.mark.django_db
def test_a_wrongly_signed_request_is_refused_and_retried(notify, monkeypatch, coordinator):
    use_notify(monkeypatch, notify.url, api_key=f"hope_test-{SERVICE_ID}-{uuid.uuid4()}")
    place_request(participant=texter(), course=CourseFactory(), by=coordinator)
    assert send_due() == 0
    message = Message.objects.get()
    assert message.status == MessageStatus.PENDING and "403" in message.last_error


@pytest.mark.django_db
def test_an_unanswered_request_times_out_and_is_retried(silent_server, monkeypatch, coordinator):
    use_notify(monkeypatch, f"http://127.0.0.1:{silent_server}", timeout=0.5)
    place_request(participant=texter(), course=CourseFactory(), by=coordinator)
    assert send_due() == 0
    assert Message.objects.get().status == MessageStatus.PENDING


def test_a_text_is_at_most_two_texts_and_plain():
    long = "“Living well” – " + "a very long course title indeed " * 20
    text = sms_text(long)
    assert len(text) <= SMS_MAX_CHARS and text.endswith("...")
    assert text.startswith('"Living well" - a very')
    assert sms_text("Short\n\n  and   sweet") == "Short and sweet"


def test_sms_is_a_channel_only_when_notify_is_set_up():
    assert "sms" not in configured_channels()
    with override_settings(
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_SMS_TEMPLATE_ID=TEMPLATE_ID,
        NOTIFY_BASE_URL="https://api.notifications.service.gov.uk",
    ):
        channel = configured_channels()["sms"]
    assert isinstance(channel, NotifySMSChannel)
    assert channel.base_url == "https://api.notifications.service.gov.uk"
