"""ODK Collect's side of the API (OpenRosa 1.0): the form list, form download, and submissions of our XForms, which
are read into the same submission the JSON API takes (so validation, flags and idempotency are the same). Instances
are parsed by defusedxml with DTDs forbidden: no entity expansion (billion laughs), no external entities."""
from __future__ import annotations

import hashlib
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from . import forms

NS = "http://openrosa.org/xforms/xformsList"


class BadInstance(ValueError):
    """An OpenRosa instance this platform cannot read."""


def parse_geopoint(text: str | None) -> dict | None:
    """An ODK geopoint 'lat lon [altitude [accuracy]]' as {lat, lon, altitude_m, accuracy_m}; None when empty."""
    if text is None or not text.strip():
        return None
    parts = text.split()
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        raise BadInstance(f"geopoint {text!r}: expected 'lat lon altitude accuracy'") from None
    if len(nums) < 2 or not (-90 <= nums[0] <= 90 and -180 <= nums[1] <= 180):
        raise BadInstance(f"geopoint {text!r}: expected 'lat lon altitude accuracy' in degrees")
    return {"lat": nums[0], "lon": nums[1], "altitude_m": nums[2] if len(nums) > 2 else None,
            "accuracy_m": nums[3] if len(nums) > 3 else None}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_instance(xml: bytes) -> tuple[str, dict[str, str]]:
    """The form id and every leaf's text by its name (groups flattened; our forms' names are unique)."""
    try:
        root = fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as err:
        raise BadInstance(f"a DTD or entity is not accepted in an instance ({type(err).__name__})") from None
    except ParseError as err:
        raise BadInstance(f"not well-formed XML: {err}") from None
    values: dict[str, str] = {}
    for el in root.iter():
        if el is not root and len(el) == 0:
            values[_local(el.tag)] = (el.text or "").strip()
    return root.get("id") or "", values


def to_submission(xml: bytes) -> tuple[dict, list[str]]:
    """An instance of one of our forms as the API's submission dict, and the file names of its photos."""
    kind, values = read_instance(xml)
    if kind not in forms.kinds():
        raise BadInstance(f"form id {kind!r} is not one of ours ({', '.join(forms.kinds())})")
    form = forms.load(kind)
    answers, photos, location = {}, [], None
    for q in form.questions:
        v = values.get(q.name, "")
        if q.type == "geopoint":
            location = parse_geopoint(v)
        elif q.type == "image":
            photos += [v] if v else []
        elif q in form.answerable and v != "":
            answers[q.name] = v.split() if q.type == "select_multiple" else v
    instance_id = values.get("instanceID", "")
    sub = {"id": instance_id.removeprefix("uuid:") or None, "kind": kind, "target_id": values.get(forms.TARGET_FIELD),
           "started_at": values.get("start") or None, "submitted_at": values.get("end") or None,
           "location": location and {k: v for k, v in location.items() if v is not None and k != "altitude_m"},
           "answers": answers}
    return sub, photos


def form_list(base_url: str) -> str:
    """The OpenRosa form list: each form with its version, md5 hash and download URL."""
    items = []
    for kind in forms.kinds():
        f = forms.load(kind)
        md5 = hashlib.md5(forms.xform(kind).encode()).hexdigest()
        items.append(f"<xform><formID>{kind}</formID><name>{escape(f.title)}</name><version>{f.version}</version>"
                     f"<hash>md5:{md5}</hash><downloadUrl>{escape(base_url)}/forms/{kind}.xml</downloadUrl></xform>")
    return f'<?xml version="1.0" encoding="UTF-8"?><xforms xmlns="{NS}">{"".join(items)}</xforms>'


def response(message: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><OpenRosaResponse xmlns="http://openrosa.org/http/response">'
            f'<message nature="">{escape(message)}</message></OpenRosaResponse>')
