"""Receipts and invoices: the server decides what a file is, and never lets a browser run it.

Reproduces the finding that a volunteer's "receipt" (a PDF header followed by HTML and
script) was stored and then served inline as text/html to finance leads.
"""

from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from expenses.models import DirectSpend, ExpenseClaim
from hope.uploads import MAX_UPLOAD_BYTES, DocumentType
from tests.expenses.test_claims import expense_data
from tests.factories import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

SCRIPT = b"<html><body><script>fetch('/finance/')</script></body></html>"


def stored_files(settings):
    return sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())


HOSTILE = {
    "pdf_html_polyglot": ("receipt.html", b"%PDF-1.4\n" + SCRIPT, "PDF could not be read"),
    "pdf_header_html_named_pdf": ("receipt.pdf", b"%PDF-1.4\n" + SCRIPT, "PDF could not be read"),
    "jpeg_magic_then_html": ("receipt.htm", b"\xff\xd8\xff\xe0" + SCRIPT, "could not be read"),
    "png_magic_then_html": ("receipt.html", b"\x89PNG\r\n\x1a\n" + SCRIPT, "could not be read"),
    "renamed_html": ("receipt.pdf", SCRIPT, "must be a PDF"),
    "svg": (
        "receipt.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "SVG",
    ),
    "empty": ("receipt.pdf", b"", "The file is empty"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_receipts_are_refused_with_a_clear_message_and_nothing_kept(
    client, budget, volunteer, settings, case
):
    name, content, message = HOSTILE[case]
    before = stored_files(settings)
    client.force_login(volunteer)
    upload = SimpleUploadedFile(name, content, "application/pdf")
    response = client.post(reverse("expenses:claim_create"), expense_data(receipt=upload))
    assert response.status_code == 200
    errors = response.context["form"].errors["receipt"]
    assert any(message in error for error in errors), errors
    assert not ExpenseClaim.objects.exists()
    assert stored_files(settings) == before


def test_a_file_exactly_at_the_limit_is_judged_by_content_not_refused_for_size(
    client, budget, volunteer
):
    client.force_login(volunteer)
    content = pdf_bytes()
    content += b"\n%" + b"0" * (MAX_UPLOAD_BYTES - len(content) - 2)
    assert len(content) == MAX_UPLOAD_BYTES
    upload = SimpleUploadedFile("scan.pdf", content, "application/pdf")
    client.post(reverse("expenses:claim_create"), expense_data(receipt=upload))
    claim = ExpenseClaim.objects.get()
    assert claim.receipt_type == DocumentType.PDF


def test_one_byte_over_the_limit_is_refused(client, budget, volunteer):
    client.force_login(volunteer)
    content = b"%PDF-1.4\n" + b"0" * (MAX_UPLOAD_BYTES - 8)
    assert len(content) == MAX_UPLOAD_BYTES + 1
    upload = SimpleUploadedFile("scan.pdf", content, "application/pdf")
    response = client.post(reverse("expenses:claim_create"), expense_data(receipt=upload))
    assert "larger than 10 MB" in response.context["form"].errors["receipt"][0]


def test_a_photo_is_re_encoded_under_a_random_name_and_its_name_kept_as_a_label(
    client, budget, volunteer
):
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make: metadata that must not survive
    Image.new("RGB", (64, 48), (10, 200, 10)).save(photo, "JPEG", exif=exif)
    content = photo.getvalue() + SCRIPT  # trailing bytes after the image
    client.force_login(volunteer)
    upload = SimpleUploadedFile("Till receipt <b>.html", content, "text/html")
    client.post(reverse("expenses:claim_create"), expense_data(receipt=upload))
    claim = ExpenseClaim.objects.get()
    assert claim.receipt_type == DocumentType.JPEG
    assert claim.receipt_label == "Till receipt <b>.html"
    stored_name = claim.receipt.name.rsplit("/", 1)[-1]
    assert stored_name.endswith(".jpg") and "Till" not in stored_name
    assert len(stored_name) == 32 + len(".jpg")
    with claim.receipt.open("rb") as handle:
        stored = handle.read()
    assert SCRIPT not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert 0x010F not in image.getexif()
    # The label is shown as text, never as markup.
    page = client.get(reverse("expenses:claim_detail", args=[claim.pk])).content.decode()
    assert "Till receipt &lt;b&gt;.html" in page


def test_png_and_pdf_are_kept_with_their_types(client, budget, volunteer):
    client.force_login(volunteer)
    for name, content, expected in [
        ("a.png", image_bytes("PNG"), DocumentType.PNG),
        ("b.pdf", pdf_bytes(), DocumentType.PDF),
    ]:
        upload = SimpleUploadedFile(name, content, "application/octet-stream")
        client.post(reverse("expenses:claim_create"), expense_data(receipt=upload))
        claim = ExpenseClaim.objects.latest("pk")
        assert claim.receipt_type == expected


def _assert_safe_download(response, content_type: str):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"
    assert "sandbox" in response["Content-Security-Policy"]
    b"".join(response.streaming_content)


def test_receipt_downloads_are_attachments_with_the_stored_type(
    client, budget, volunteer, finance_lead
):
    client.force_login(volunteer)
    upload = SimpleUploadedFile("page.html", image_bytes("PNG"), "text/html")
    client.post(reverse("expenses:claim_create"), expense_data(receipt=upload))
    claim = ExpenseClaim.objects.get()
    client.force_login(finance_lead)
    response = client.get(reverse("expenses:claim_receipt", args=[claim.pk]))
    _assert_safe_download(response, "image/png")
    assert f'filename="receipt-claim-{claim.pk}.png"' in response["Content-Disposition"]


def test_direct_spend_attachments_are_checked_and_served_the_same_way(
    client, budget, finance_lead, settings
):
    client.force_login(finance_lead)
    data = {
        "spent_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "category": "training_resources",
        "description": "Workbooks",
        "amount": "40.00",
    }
    bad = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4\n" + SCRIPT, "application/pdf")
    response = client.post(reverse("expenses:spend_list"), {**data, "attachment": bad})
    assert "could not be read" in response.context["form"].errors["attachment"][0]
    assert not DirectSpend.objects.exists()

    good = SimpleUploadedFile("invoice.pdf", pdf_bytes(), "application/pdf")
    client.post(reverse("expenses:spend_list"), {**data, "attachment": good})
    spend = DirectSpend.objects.get()
    assert spend.attachment_type == DocumentType.PDF
    assert spend.attachment.name.endswith(".pdf") and "invoice" not in spend.attachment.name
    response = client.get(reverse("expenses:spend_attachment", args=[spend.pk]))
    _assert_safe_download(response, "application/pdf")


def test_replacing_a_draft_receipt_deletes_the_old_file(
    client, budget, volunteer, django_capture_on_commit_callbacks
):
    client.force_login(volunteer)
    first = SimpleUploadedFile("a.pdf", pdf_bytes(), "application/pdf")
    client.post(reverse("expenses:claim_create"), expense_data(receipt=first, action="save"))
    claim = ExpenseClaim.objects.get()
    old = claim.receipt.path
    second = SimpleUploadedFile("b.png", image_bytes("PNG"), "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("expenses:claim_edit", args=[claim.pk]),
            expense_data(receipt=second, action="save"),
        )
    claim.refresh_from_db()
    assert claim.receipt_type == DocumentType.PNG
    assert not os.path.exists(old)


def test_a_pdf_keeps_its_pages_but_loses_scripts_attachments_and_metadata(
    client, budget, volunteer
):
    from pypdf import PdfReader, PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_open_action(JavaScript("app.alert('hello from the receipt');"))
    writer.add_attachment("notes.txt", b"private notes")
    writer.add_metadata({"/Author": "Jane Patient"})
    source = io.BytesIO()
    writer.write(source)
    assert b"/JavaScript" in source.getvalue()

    client.force_login(volunteer)
    upload = SimpleUploadedFile("receipt.pdf", source.getvalue(), "application/pdf")
    client.post(reverse("expenses:claim_create"), expense_data(receipt=upload))
    claim = ExpenseClaim.objects.get()
    with claim.receipt.open("rb") as handle:
        stored = handle.read()
    for hidden in (b"/JavaScript", b"/JS", b"/EmbeddedFile", b"Jane Patient", b"hello from"):
        assert hidden not in stored, hidden
    assert len(PdfReader(io.BytesIO(stored)).pages) == 1
