"""Images of imported questions, kept as Wagtail images in the "题库图片" collection.

Who may see them: an exam's images must not be public before the exam. A question's stem
refers to an image only through our own view (``exams:question_image``, ``QUESTION_IMAGE_URL``),
which answers the question-bank staff and candidates whose paper holds a version showing that
image, nobody else (exams/selectors.py ``question_image_visible_to``). The file itself is
stored under a random name, so the storage's own URL cannot be guessed either; Wagtail's
image listing is for editors, who may see the bank anyway.

A stem stores ``<img src="/exams/question-images/<id>/" alt="…">``: stable (the id never
changes), rendered as is by the attempt page, the admin preview and the review, and turned
back into Moodle's ``@@PLUGINFILE@@/<name>`` with the file's bytes on export.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Sequence
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

from django.core.files.images import ImageFile
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from wagtail.images import get_image_model
from wagtail.models import Collection

from ..formats.base import ParsedImage
from ..formats.html import PLUGINFILE

COLLECTION_NAME = "题库图片"
_PLUGINFILE_RE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>]+)")


def question_image_url(pk: int) -> str:
    return reverse("exams:question_image", args=[pk])


def _image_src_re() -> re.Pattern:
    prefix = question_image_url(0).removesuffix("0/")
    return re.compile(r'(src=")' + re.escape(prefix) + r'(\d+)/(")')


def question_images_collection() -> Collection:
    root = Collection.get_first_root_node()
    found = root.get_children().filter(name=COLLECTION_NAME).first()
    return found or root.add_child(name=COLLECTION_NAME)


def question_images_store(*, images: Sequence[ParsedImage], actor=None) -> dict[str, str]:
    """Store a question's images; ``{name: url}`` for ``stem_with_images``."""
    image_model = get_image_model()
    collection = question_images_collection()
    urls: dict[str, str] = {}
    for parsed in images:
        suffix = PurePosixPath(parsed.name).suffix.lower()[:10] or ".png"
        image = image_model(
            title=(parsed.name or "image")[:255],
            collection=collection,
            uploaded_by_user=actor,
            file=ImageFile(io.BytesIO(parsed.data), name=f"{secrets.token_hex(16)}{suffix}"),
        )
        image.file_size = len(parsed.data)
        image.save()
        urls[parsed.name] = question_image_url(image.pk)
    return urls


NOT_KEPT_IMAGE = _("未保留：图片“%(name)s”无法读取（不是 PNG、JPEG、GIF 或 WebP 图片）。")
IMAGE_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP"})


def image_problem(image: ParsedImage) -> str | None:
    """Why a file's image cannot be kept (a message for the report), or ``None``."""
    try:
        with PILImage.open(io.BytesIO(image.data)) as opened:
            opened.verify()
            if opened.format not in IMAGE_FORMATS:
                raise UnidentifiedImageError(opened.format)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return NOT_KEPT_IMAGE % {"name": image.name}
    return None


def stem_with_images(html: str, urls: dict[str, str]) -> str:
    """``@@PLUGINFILE@@/<name>`` references replaced by the stored images' URLs."""
    if PLUGINFILE not in html:
        return html

    def replace(match: re.Match) -> str:
        name = match[1]
        return urls.get(name) or urls.get(unquote(name)) or match[0]

    return _PLUGINFILE_RE.sub(replace, html)


def images_for_export(html: str) -> tuple[str, list[ParsedImage]]:
    """The stem with our image URLs turned back into ``@@PLUGINFILE@@/<name>``, and the files."""
    pattern = _image_src_re()
    ids = [int(m[2]) for m in pattern.finditer(html)]
    if not ids:
        return html, []
    found = {image.pk: image for image in get_image_model().objects.filter(pk__in=ids)}
    names: dict[int, str] = {}
    images: list[ParsedImage] = []
    for pk in dict.fromkeys(ids):
        image = found.get(pk)
        if image is None:
            continue
        name = _unique_name(image.title, image.file.name, set(names.values()))
        with image.file.open("rb") as handle:
            data = handle.read()
        names[pk] = name
        images.append(ParsedImage(name=name, data=data, alt=image.title))

    def replace(match: re.Match) -> str:
        pk = int(match[2])
        if pk not in names:
            return match[0]
        return f"{match[1]}{PLUGINFILE}{quote(names[pk])}{match[3]}"

    return pattern.sub(replace, html), images


def _unique_name(title: str, stored: str, taken: set[str]) -> str:
    name = PurePosixPath(title).name or "image"
    if not PurePosixPath(name).suffix:
        name += PurePosixPath(stored).suffix
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    return candidate
