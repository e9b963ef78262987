"""Uploaded documents (receipts, invoices): the server decides what a file is.

A file is accepted only if it *is* a PDF, JPEG or PNG, judged by parsing it, never by
its name or the browser's word. What is stored is what we made of it: images are
re-encoded by Pillow (trailing bytes, EXIF location and other metadata go), PDFs are
rebuilt by pypdf from their pages alone (scripts, actions, attachments and metadata go).
The stored name is random, with the extension of the type we decided; the uploader's file
name is kept only as a label.
Downloads are always attachments, with the stored type and headers that stop a browser
from sniffing or running anything (``document_response``).
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import warnings

from django import forms
from django.core.files.base import ContentFile
from django.db import models
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.deconstruct import deconstructible

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A phone photo is about 12 megapixels; far more is a decompression bomb, not a receipt.
MAX_IMAGE_PIXELS = 50_000_000
# Big enough to read, small enough to store for six years.
MAX_IMAGE_SIDE = 3000


class DocumentType(models.TextChoices):
    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG image"
    PNG = "image/png", "PNG image"
    # Files stored before the server checked uploads; served only as a download.
    UNKNOWN = "application/octet-stream", "File"


EXTENSIONS = {
    DocumentType.PDF: ".pdf",
    DocumentType.JPEG: ".jpg",
    DocumentType.PNG: ".png",
    DocumentType.UNKNOWN: ".bin",
}
_SIGNATURES = [
    (b"%PDF-", DocumentType.PDF),
    (b"\xff\xd8\xff", DocumentType.JPEG),
    (b"\x89PNG\r\n\x1a\n", DocumentType.PNG),
]

NOT_A_DOCUMENT = (
    "The file must be a PDF, or a JPEG or PNG photo. Other kinds of file (for example web "
    "pages, SVG or Word documents) cannot be accepted."
)


class CheckedDocument(ContentFile):
    """The bytes we will store, with the type we decided and the uploader's name as a label."""

    def __init__(self, content: bytes, *, content_type: str, label: str):
        super().__init__(content, name=f"document{EXTENSIONS[content_type]}")
        self.content_type = content_type
        self.label = label


def sniff(head: bytes) -> str | None:
    """The type a file claims by its first bytes (a first guess, never the verdict)."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def clean_label(name: str) -> str:
    """The uploader's file name as plain text: no path, no control characters, short."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:100] or "upload"


def _read_limited(upload) -> bytes:
    too_big = forms.ValidationError(
        "The file is larger than 10 MB. Take a smaller photo or scan it again.", code="too_big"
    )
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise too_big
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)  # never more, whatever the size claimed
    upload.seek(0)
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_big
    if not data:
        raise forms.ValidationError(
            "The file is empty. Choose the photo or scan again.", code="empty"
        )
    return data


def _clean_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    unreadable = forms.ValidationError(
        "This PDF could not be read. Save or scan it again as a PDF, or upload a photo of "
        "the receipt instead.",
        code="bad_pdf",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=True)
            if reader.is_encrypted:
                raise forms.ValidationError(
                    "This PDF is protected by a password. Save a copy without the password "
                    "and upload that.",
                    code="encrypted_pdf",
                )
            if len(reader.pages) < 1:
                raise unreadable
            # Only the pages go into a fresh document: no document JavaScript, no
            # open actions, no attached files, no author or other metadata; links and
            # form widgets (annotations, which can carry actions) are dropped too.
            writer = PdfWriter()
            for page in reader.pages:
                copy = writer.add_page(page)
                for key in ("/Annots", "/AA"):
                    if key in copy:
                        del copy[key]
            out = io.BytesIO()
            writer.write(out)
    except forms.ValidationError:
        raise
    except Exception:  # hostile input can make a parser fail in any way at all
        raise unreadable from None
    return out.getvalue()


def _clean_image(data: bytes, content_type: str) -> bytes:
    from PIL import Image, ImageOps

    unreadable = forms.ValidationError(
        "This picture could not be read. Take the photo again and upload it as a JPEG or PNG.",
        code="bad_image",
    )
    expected = "JPEG" if content_type == DocumentType.JPEG else "PNG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != expected:
                    raise unreadable
                if probe.width * probe.height > MAX_IMAGE_PIXELS:
                    raise forms.ValidationError(
                        "This picture is too large. Take the photo again at a normal size.",
                        code="too_many_pixels",
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
                out = io.BytesIO()
                if expected == "JPEG":
                    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
                else:
                    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                        image = image.convert("RGBA")
                    image.save(out, "PNG", optimize=True)
    except forms.ValidationError:
        raise
    except Exception:  # hostile input can make a decoder fail in any way at all
        raise unreadable from None
    return out.getvalue()


def check_document(upload) -> CheckedDocument:
    """Decide what the upload is and make the copy we will keep, or refuse it in words."""
    data = _read_limited(upload)
    content_type = sniff(data[:16])
    if content_type is None:
        raise forms.ValidationError(NOT_A_DOCUMENT, code="not_a_document")
    if content_type == DocumentType.PDF:
        cleaned = _clean_pdf(data)
    else:
        cleaned = _clean_image(data, content_type)
    return CheckedDocument(
        cleaned, content_type=content_type, label=clean_label(getattr(upload, "name", ""))
    )


class DocumentField(forms.FileField):
    """A file field whose clean value is a ``CheckedDocument`` (or the stored file, or False
    when cleared). Use with ``DocumentFormMixin`` so the type and label are saved too."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,image/*"})
        )
        kwargs.setdefault("max_length", 255)
        super().__init__(**kwargs)
        self.error_messages["empty"] = "The file is empty. Choose the photo or scan again."

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if value and hasattr(value, "content_type") and not isinstance(value, CheckedDocument):
            value = check_document(value)  # a new upload
        return value


class DocumentFormMixin:
    """For ModelForms with DocumentFields: stores ``<field>_type`` and ``<field>_label``."""

    def _post_clean(self):
        super()._post_clean()
        for name, field in self.fields.items():
            if not isinstance(field, DocumentField) or name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if isinstance(value, CheckedDocument):
                setattr(self.instance, f"{name}_type", value.content_type)
                setattr(self.instance, f"{name}_label", value.label)
            elif value is False or not value:
                setattr(self.instance, f"{name}_type", "")
                setattr(self.instance, f"{name}_label", "")


@deconstructible
class DocumentPath:
    """An ``upload_to`` that ignores the uploader's name: random, with our own extension."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if extension not in EXTENSIONS.values():
            raise ValueError(f"Refusing to store a file named {filename!r}.")
        today = timezone.localdate()
        return f"{self.folder}/{today:%Y/%m}/{secrets.token_hex(16)}{extension}"

    def __eq__(self, other) -> bool:
        return isinstance(other, DocumentPath) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


def document_response(field_file, *, content_type: str, filename: str) -> FileResponse:
    """Serve a stored document so that no browser renders or runs it on our origin."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    if content_type not in EXTENSIONS:
        content_type = DocumentType.UNKNOWN
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}{EXTENSIONS[content_type]}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
