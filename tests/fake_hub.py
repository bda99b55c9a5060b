"""A loopback HTTP server answering the Hugging Face Hub endpoints a push uses, recording what it receives.

Point huggingface_hub at it with HF_ENDPOINT. It answers repo creation, the model-card
YAML check, pre-upload (every file "regular", so contents come inline in the commit) and
commits (NDJSON: a header, then one base64 file per line); everything else is a 404.
"""

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREUPLOAD = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)/preupload/[^/]+$")
COMMIT = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)/commit/[^/]+$")


class FakeHub:
    def __init__(self):
        self.commits = []  # {"repo", "summary", "files": {path: bytes}}
        self.created = []
        self.requests = []  # (method, path, headers, body) of every request
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hub.requests.append(("POST", self.path, dict(self.headers), body))
                path = self.path.split("?")[0]
                if path == "/api/repos/create":
                    request = json.loads(body)
                    name = "/".join(filter(None, [request.get("organization"), request["name"]]))
                    hub.created.append(name)
                    return self.reply({"url": f"{hub.url}/{name}", "name": name})
                if path == "/api/validate-yaml":
                    return self.reply({})
                if match := PREUPLOAD.match(path):
                    files = json.loads(body)["files"]
                    modes = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]
                    return self.reply({"files": modes, "commitOid": "0" * 40})
                if match := COMMIT.match(path):
                    lines = [json.loads(line) for line in body.splitlines() if line.strip()]
                    header = next(line["value"] for line in lines if line["key"] == "header")
                    files = {
                        line["value"]["path"]: base64.b64decode(line["value"]["content"])
                        for line in lines
                        if line["key"] == "file"
                    }
                    hub.commits.append({"repo": match["repo"], "summary": header["summary"], "files": files})
                    return self.reply(
                        {"commitUrl": f"{hub.url}/{match['repo']}/commit/{'a' * 40}", "commitOid": "a" * 40}
                    )
                self.reply({"error": "not found"}, status=404)

            def do_GET(self):
                hub.requests.append(("GET", self.path, dict(self.headers), b""))
                self.reply({"error": "not found"}, status=404)

            def reply(self, value, status=200):
                data = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
