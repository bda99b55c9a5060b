"""A loopback Hugging Face Hub: serves the repos of a folder with the HTTP protocol that
huggingface_hub, transformers and datasets speak when HF_ENDPOINT points at it.

Folder layout (what tools/hub_standins.py writes, and what pushes add to):

    DIR/models/<repo id>/<revision>/<files>      e.g. models/Helsinki-NLP/opus-mt-en-fr/main/config.json
    DIR/datasets/<repo id>/<revision>/<files>    e.g. datasets/kde4/refs%2Fconvert%2Fparquet/en-fr/train/0000.parquet
    DIR/<models|datasets>/<repo id>/serving.json optional: {"gated": true, "tokens": ["hf_..."]} makes the
        repo gated (readable with one of those tokens); {"cut_after_bytes": N} makes the repo's
        server die mid-download: the first download of a larger file stops after N bytes, and
        from then on every request for the repo is dropped unanswered

A revision folder's name is the revision, URL-quoted (refs/convert/parquet has slashes).
A revision's commit id is a hash of its files' names and contents, so it changes exactly
when they do; clients also accept that id as the revision.

Answered: repo info (`/api/models/ID[/revision/REV]`), file trees and paths-info,
resolve (HEAD and GET, with Range) carrying the X-Repo-Commit, ETag and size headers the
clients check, and 404s carrying the X-Error-Code (RepoNotFound, RevisionNotFound,
EntryNotFound) they turn into their own errors. Gated repos answer 401 without a token
and 403 with a token they do not list. Pushes: repo creation, the model-card YAML check,
pre-upload (every file "regular", so contents arrive inline) and NDJSON commits, which
write the files into the repo's main revision.

Written on http.server rather than a library: olah, the best-known Hub mirror on PyPI, is
a caching proxy of huggingface.co, which these machines cannot reach; hf-local-hub (a young
package, not among PyPI's 15,000 most downloaded) was not tried.
"""

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
SERVING_FILE = "serving.json"
FAKE_DATE = "2026-01-01T00:00:00.000Z"


class HubFolder:
    """The repos of DIR: which exist, their revisions, files, commit ids and access rules."""

    def __init__(self, root):
        self.root = Path(root)
        self._hashes = {}  # (path, size, mtime) -> sha256
        self.dead = set()  # repo folders whose server "died" mid-download (serving.json: cut_after_bytes)
        self._lock = threading.Lock()

    def repo(self, kind, segments):
        """(repo id, folder, the segments after the id) for the longest existing repo prefix, or None."""
        for length in (2, 1):
            if len(segments) >= length:
                repo_id = "/".join(segments[:length])
                folder = self.root / kind / repo_id
                if (folder / "main").is_dir() and ".." not in segments[:length]:
                    return repo_id, folder, segments[length:]
        return None

    def revision(self, repo_folder, revision):
        """The folder of `revision` (a name or a commit id), or None."""
        folder = repo_folder / quote(revision, safe="")
        if revision and folder.is_dir() and revision not in (".", ".."):
            return folder
        for candidate in repo_folder.iterdir():
            if candidate.is_dir() and self.commit(candidate) == revision:
                return candidate
        return None

    def files(self, revision_folder):
        return sorted(
            path.relative_to(revision_folder).as_posix() for path in revision_folder.rglob("*") if path.is_file()
        )

    def sha256(self, path):
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            if key not in self._hashes:
                digest = hashlib.sha256()
                with open(path, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        digest.update(block)
                self._hashes[key] = digest.hexdigest()
            return self._hashes[key]

    def commit(self, revision_folder):
        digest = hashlib.sha1()
        for name in self.files(revision_folder):
            digest.update(f"{name}\0{self.sha256(revision_folder / name)}\n".encode())
        return digest.hexdigest()

    def entry(self, revision_folder, name):
        """A tree entry as the Hub's tree and paths-info APIs give it."""
        path = revision_folder / name
        if path.is_dir():
            return {"type": "directory", "oid": hashlib.sha1(name.encode()).hexdigest(), "size": 0, "path": name}
        sha = self.sha256(path)
        size = path.stat().st_size
        return {
            "type": "file",
            "oid": hashlib.sha1(sha.encode()).hexdigest(),
            "size": size,
            "path": name,
            "lfs": {"oid": sha, "size": size, "pointerSize": 134},
            "lastCommit": {"id": self.commit(revision_folder), "title": "upload", "date": FAKE_DATE},
        }

    def serving(self, repo_folder):
        """The repo's serving.json rules ({} when it has none)."""
        rules_file = repo_folder / SERVING_FILE
        return json.loads(rules_file.read_text()) if rules_file.is_file() else {}

    def access(self, repo_folder, token):
        """None if the request may read the repo, else (status, error code, message)."""
        rules = self.serving(repo_folder)
        if not rules.get("gated"):
            return None
        if token is None:
            return 401, "GatedRepo", "Access to this repo is restricted: log in with a token that has access"
        if token not in rules.get("tokens", []):
            return 403, "GatedRepo", "Your token has no access to this gated repo: ask for access on its page"
        return None

    def write_commit(self, kind, repo_id, files, deleted=()):
        folder = self.root / kind / repo_id / "main"
        for name, content in files.items():
            target = (folder / name).resolve()
            if folder.resolve() not in target.parents:
                raise ValueError(f"path {name!r} leaves the repo")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        for name in deleted:
            (folder / name).unlink(missing_ok=True)
        return self.commit(folder)


class HubHandler(BaseHTTPRequestHandler):
    hub: HubFolder  # set on the subclass make_server() makes
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # --- routing

    def do_HEAD(self):
        self.route("HEAD")

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def route(self, method):
        url = urlsplit(self.path)
        segments = [unquote(part) for part in url.path.split("/") if part]
        self.query = parse_qs(url.query)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        try:
            if segments[:2] == ["api", "repos"] and segments[2:] == ["create"]:
                return self.create_repo(json.loads(body))
            if segments[:2] == ["api", "validate-yaml"]:
                return self.reply({})
            if segments[:2] == ["api", "whoami-v2"]:
                return self.whoami()
            if segments[:1] == ["api"] and len(segments) > 2 and segments[1] in REPO_TYPES:
                return self.api(method, segments[1], segments[2:], body)
            kind = "models"
            if segments and segments[0] in ("datasets", "spaces"):
                kind, segments = segments[0], segments[1:]
            return self.resolve(method, kind, segments)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # --- read endpoints

    def api(self, method, kind, segments, body):
        found = self.hub.repo(kind, segments)
        if found is None:
            return self.error(404, "RepoNotFound", f"Repository not found: {'/'.join(segments[:2])}")
        repo_id, repo_folder, rest = found
        if repo_folder in self.hub.dead:
            return self.drop()
        if method == "POST" and rest[:1] == ["preupload"]:
            files = json.loads(body)["files"]
            modes = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]
            return self.reply({"files": modes, "commitOid": "0" * 40})
        if method == "POST" and rest[:1] == ["commit"]:
            return self.commit(kind, repo_id, body)
        denied = self.hub.access(repo_folder, self.token())
        if denied:
            return self.error(*denied)
        action, revision, path = (rest[0] if rest else "revision"), (rest[1] if len(rest) > 1 else "main"), rest[2:]
        revision_folder = self.hub.revision(repo_folder, revision)
        if revision_folder is None:
            return self.error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        if action == "revision":
            return self.repo_info(kind, repo_id, repo_folder, revision_folder)
        if action == "tree":
            return self.tree(revision_folder, "/".join(path))
        if action == "paths-info" and method == "POST":
            return self.paths_info(revision_folder, body)
        return self.error(404, "EntryNotFound", f"unknown endpoint {self.path}")

    def repo_info(self, kind, repo_id, repo_folder, revision_folder):
        files = self.hub.files(revision_folder)
        info = {
            "id": repo_id,
            "_id": hashlib.sha1(repo_id.encode()).hexdigest()[:24],
            "sha": self.hub.commit(revision_folder),
            "private": False,
            "gated": "auto" if self.hub.serving(repo_folder).get("gated") else False,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "lastModified": FAKE_DATE,
            "createdAt": FAKE_DATE,
            "siblings": [{"rfilename": name, "size": (revision_folder / name).stat().st_size} for name in files],
        }
        if kind == "models":
            config = revision_folder / "config.json"
            if config.is_file():
                info["config"] = json.loads(config.read_text())
        self.reply(info)

    def tree(self, revision_folder, path):
        start = revision_folder / path
        if not start.is_dir():
            return self.error(404, "EntryNotFound", f"{path} does not exist on this revision")
        recursive = self.query.get("recursive", ["false"])[0].lower() == "true"
        children = sorted(start.rglob("*") if recursive else start.iterdir())
        self.reply(
            [self.hub.entry(revision_folder, child.relative_to(revision_folder).as_posix()) for child in children]
        )

    def paths_info(self, revision_folder, body):
        form = parse_qs(body.decode())
        if not form and body.strip().startswith(b"{"):
            form = json.loads(body)
        paths = form.get("paths", [])
        paths = [paths] if isinstance(paths, str) else paths
        entries = [self.hub.entry(revision_folder, p.strip("/")) for p in paths if (revision_folder / p).exists()]
        self.reply(entries)

    def resolve(self, method, kind, segments):
        found = self.hub.repo(kind, segments)
        if found is None:
            return self.error(404, "RepoNotFound", "Repository not found")
        _, repo_folder, rest = found
        if repo_folder in self.hub.dead:
            return self.drop()
        if len(rest) < 3 or rest[0] != "resolve":
            return self.error(404, "EntryNotFound", f"unknown endpoint {self.path}")
        denied = self.hub.access(repo_folder, self.token())
        if denied:
            return self.error(*denied)
        revision_folder = self.hub.revision(repo_folder, rest[1])
        if revision_folder is None:
            return self.error(404, "RevisionNotFound", f"Invalid rev id: {rest[1]}")
        name = "/".join(rest[2:])
        path = revision_folder / name
        if ".." in rest[2:] or not path.is_file():
            return self.error(404, "EntryNotFound", f"Entry not found: {name}")
        cut_after = self.hub.serving(repo_folder).get("cut_after_bytes")
        if self.send_file(method, path, self.hub.commit(revision_folder), cut_after):
            self.hub.dead.add(repo_folder)

    def send_file(self, method, path, commit, cut_after=None):
        """Sends the file (or the Range asked for); True if it was cut short after `cut_after` bytes."""
        size = path.stat().st_size
        start, end = 0, size - 1
        wanted = self.headers.get("Range", "")
        if wanted.startswith("bytes=") and method == "GET":
            first, _, last = wanted[len("bytes=") :].partition("-")
            start = int(first) if first else max(size - int(last), 0)
            end = min(int(last), size - 1) if first and last else end
        length = max(end - start + 1, 0)
        self.send_response(206 if wanted and method == "GET" else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length if method == "GET" else size))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", f'"{self.hub.sha256(path)}"')
        self.send_header("X-Repo-Commit", commit)
        if wanted and method == "GET":
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        cut = method == "GET" and cut_after is not None and length > cut_after
        if cut:
            length = cut_after  # the promised Content-Length never arrives
            self.close_connection = True
        if method == "GET":
            with open(path, "rb") as f:
                f.seek(start)
                remaining = length
                while remaining > 0:
                    block = f.read(min(remaining, 1 << 20))
                    if not block:
                        break
                    self.wfile.write(block)
                    remaining -= len(block)
        return cut

    # --- write endpoints (pushes)

    def create_repo(self, request):
        kind = {"model": "models", "dataset": "datasets"}.get(request.get("type") or "model", "models")
        repo_id = "/".join(filter(None, [request.get("organization"), request["name"]]))
        (self.hub.root / kind / repo_id / "main").mkdir(parents=True, exist_ok=True)
        prefix = "" if kind == "models" else f"{kind}/"
        self.reply({"url": f"{self.base_url()}/{prefix}{repo_id}", "name": repo_id})

    def commit(self, kind, repo_id, body):
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        files = {
            line["value"]["path"]: base64.b64decode(line["value"]["content"]) for line in lines if line["key"] == "file"
        }
        deleted = [line["value"]["path"] for line in lines if line["key"] == "deletedFile"]
        try:
            commit = self.hub.write_commit(kind, repo_id, files, deleted)
        except ValueError as error:
            return self.error(400, "BadRequest", str(error))
        prefix = "" if kind == "models" else f"{kind}/"
        self.reply({"commitUrl": f"{self.base_url()}/{prefix}{repo_id}/commit/{commit}", "commitOid": commit})

    def whoami(self):
        if self.token() is None:
            return self.error(401, None, "Invalid credentials in Authorization header")
        self.reply({"type": "user", "name": "local-user", "auth": {"type": "access_token"}})

    # --- helpers

    def drop(self):
        """No answer at all: the connection closes, as with a server that died."""
        self.close_connection = True

    def token(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        return header.removeprefix("Bearer ").strip() or None

    def base_url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def reply(self, value, status=200, headers=None):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, header in (headers or {}).items():
            self.send_header(name, header)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def error(self, status, code, message):
        """An error as the Hub sends it: the code and message in headers, which the clients read on HEAD too."""
        headers = {"X-Error-Code": code, "X-Error-Message": message} if code else {"X-Error-Message": message}
        self.reply({"error": message}, status, headers)


def make_server(root, port=0):
    """A ThreadingHTTPServer on 127.0.0.1 serving the repos under `root` (not yet started)."""
    handler = type("Handler", (HubHandler,), {"hub": HubFolder(root)})
    return ThreadingHTTPServer(("127.0.0.1", port), handler)
