"""The field app's files as the server serves them (inspections/fieldapp.py): every file of the shell answers, the
service worker is told the shell and a version that changes with any byte, everything comes from this origin under a
strict content policy, and the manifest makes it installable."""
import json
import re
import shutil

from starlette.applications import Starlette
from starlette.testclient import TestClient

from inspections import fieldapp


def client():
    return TestClient(Starlette(routes=fieldapp.routes()), follow_redirects=False)


def test_shell_files_answer_with_a_strict_policy():
    c = client()
    assert c.get("/field").status_code == 308 and c.get("/field").headers["location"] == "/field/"
    index = c.get("/field/")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    csp = index.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    urls, version = fieldapp.shell()
    assert {"/field/", "/field/js/app.js", "/field/js/xpath.js", "/field/vendor/piexif.js", "/field/style.css",
            "/field/manifest.webmanifest", "/field/icons/icon-192.png", "/field/icons/icon-512.png"} <= set(urls)
    assert "/field/sw.js" not in urls and not any(u.endswith((".json", ".sh", ".txt")) for u in urls)
    for url in urls:
        r = c.get(url)
        assert r.status_code == 200, url
        assert r.headers["x-content-type-options"] == "nosniff"
    sw = c.get("/field/sw.js")
    assert sw.headers["content-type"].startswith("text/javascript") and sw.headers["cache-control"] == "no-cache"
    head = sw.text.splitlines()[:2]
    assert json.loads(head[0].removeprefix("const SHELL = ").rstrip(";")) == urls
    assert head[1] == f'const VERSION = "{version}";'


def test_nothing_is_fetched_from_elsewhere():
    for path in fieldapp.FIELD_DIR.rglob("*"):
        if path.suffix not in (".html", ".js", ".css", ".webmanifest") or path.parent.name == "vendor":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|from\s+["']https?:""",
                             text), path


def test_manifest_makes_it_installable():
    m = json.loads((fieldapp.FIELD_DIR / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert m["start_url"] == "/field/" and m["scope"] == "/field/" and m["display"] == "standalone"
    sizes = {i["sizes"] for i in m["icons"] if i["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in m["icons"]:
        assert (fieldapp.FIELD_DIR / icon["src"]).is_file()


def test_any_changed_byte_changes_the_version(tmp_path, monkeypatch):
    copy = tmp_path / "field"
    shutil.copytree(fieldapp.FIELD_DIR, copy)
    monkeypatch.setattr(fieldapp, "FIELD_DIR", copy)
    fieldapp.shell.cache_clear()
    try:
        before = fieldapp.shell()
        (copy / "style.css").write_text((copy / "style.css").read_text() + "\n/* changed */\n")
        fieldapp.shell.cache_clear()
        after = fieldapp.shell()
        assert before[0] == after[0] and before[1] != after[1]
        assert fieldapp.shell_bytes() > 100_000
    finally:
        fieldapp.shell.cache_clear()
