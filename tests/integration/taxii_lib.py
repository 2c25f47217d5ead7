"""taxii_lib.py - shared helpers of the TAXII integration tests: a temporary node driven with
the renkei CLI, a server started on a free loopback port, and a small HTTP client (stdlib only).

The environment gives RENKEI (the CLI binary), RK_TOOLS_DIR, RK_CORPUS and RK_SOURCE_DIR.
"""
import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid

RENKEI = os.environ.get("RENKEI", "renkei")
TOOLS = os.environ.get("RK_TOOLS_DIR", "")
CORPUS = os.environ.get("RK_CORPUS", "")
TAXII = "application/taxii+json;version=2.1"

TLP_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

FAILURES = []


def check(cond, what):
    """Record a failed expectation (the test goes on, so one run shows every problem)."""
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what, flush=True)
    return cond


def finish(name):
    if FAILURES:
        print("%s: %d failure(s)" % (name, len(FAILURES)))
        sys.exit(1)
    print("%s: all checks passed" % name)


def indicator(n=0, tlp=None, modified="2021-06-10T12:00:00.000Z", oid=None, ip=None):
    """A valid STIX 2.1 indicator; tlp is a TLP name or None for unmarked."""
    o = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": oid or "indicator--%s" % uuid.uuid4(),
        "created": "2021-06-10T12:00:00.000Z",
        "modified": modified,
        "name": "test indicator %d" % n,
        "pattern": "[ipv4-addr:value = '%s']" % (ip or "10.%d.%d.%d" % (n >> 16 & 255, n >> 8 & 255, n & 255)),
        "pattern_type": "stix",
        "valid_from": "2021-06-10T12:00:00Z",
    }
    if tlp:
        o["object_marking_refs"] = [TLP_IDS[tlp]]
    return o


def sco(value):
    """An ipv4-addr with its deterministic id (STIX 2.1 section 2.9): an object without created
    and modified, whose version is its date_added."""
    oid = uuid.uuid5(uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"), '{"value":"%s"}' % value)
    return {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--%s" % oid,
            "value": value}


class Node:
    """A node in a temporary data directory, managed with the CLI."""

    def __init__(self, name="test-node", org="org-a", conf=None, tls=True):
        self.dir = tempfile.mkdtemp(prefix="renkei-taxii-")
        self.data = os.path.join(self.dir, "data")
        self.proc = None
        self.port = None
        self.scheme = "http"
        args = ["init", "--name", name, "--org", org]
        if not tls:
            args.append("--no-tls")
        self.cli(*args)
        if conf:
            with open(os.path.join(self.data, "renkei.conf"), "w") as f:
                f.write(conf)

    def cli(self, *args, ok=True, input=None):
        p = subprocess.run([RENKEI, "--data", self.data] + list(args), capture_output=True,
                           text=True, input=input)
        if ok and p.returncode != 0:
            raise RuntimeError("renkei %s failed (%d): %s%s" % (" ".join(args), p.returncode,
                                                                p.stdout, p.stderr))
        return p

    def user(self, name, org, role):
        """Add a user; returns its secret (printed once by the CLI)."""
        out = self.cli("user", "add", name, "--org", org, "--role", role, "--json").stdout
        return json.loads(out.strip().splitlines()[-1])["secret"]

    def collection(self, alias, *opts):
        out = self.cli("collection", "add", alias, "--json", *opts).stdout
        return json.loads(out.strip().splitlines()[-1])["id"]

    def start(self, *extra, insecure=True, wait=True):
        args = [RENKEI, "--data", self.data, "serve", "--listen", "127.0.0.1", "--port", "0"]
        if insecure:
            args.append("--insecure-http")
        args += list(extra)
        self.scheme = "http" if insecure else "https"
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()
        m = re.search(r":(\d+)/taxii2/", line)
        if not m:
            err = self.proc.stderr.read()
            raise RuntimeError("server did not start: %s %s" % (line, err))
        self.port = int(m.group(1))
        return self.port

    def stop(self):
        """Stop the server with SIGTERM; its exit status must be 0 (sanitizers report there)."""
        if not self.proc:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = -9
        err = self.proc.stderr.read()
        self.stderr = err
        if rc != 0:
            print("server exited with %d:\n%s" % (rc, err[-4000:]))
        self.proc = None
        return rc

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cleanup(self):
        if self.proc:
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self, user=None, secret=None, bearer=None, **kw):
        return Client(self, user, secret, bearer, **kw)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None

    def header(self, name):
        return self.headers.get(name.lower())


class Client:
    def __init__(self, node, user=None, secret=None, bearer=None, context=None, timeout=120):
        self.node = node
        self.auth = None
        if user is not None:
            token = base64.b64encode(("%s:%s" % (user, secret)).encode()).decode()
            self.auth = "Basic " + token
        elif bearer is not None:
            self.auth = "Bearer " + bearer
        self.context = context
        self.timeout = timeout

    def connection(self):
        if self.node.scheme == "https":
            return http.client.HTTPSConnection("127.0.0.1", self.node.port, timeout=self.timeout,
                                               context=self.context)
        return http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=self.timeout)

    def request(self, method, path, body=None, accept=TAXII, content_type=None, headers=None):
        h = {}
        if accept is not None:
            h["Accept"] = accept
        if self.auth:
            h["Authorization"] = self.auth
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if body is not None:
            h["Content-Type"] = content_type if content_type is not None else TAXII
        elif content_type is not None:
            h["Content-Type"] = content_type
        if headers:
            h.update(headers)
        c = self.connection()
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, envelope, **kw):
        return self.request("POST", path, body=envelope, **kw)


def post_objects(client, coll, objects, expect=202):
    r = client.post("/api/collections/%s/objects/" % coll, {"objects": objects})
    check(r.status == expect, "POST %d objects to %s: status %d (%s)" % (
        len(objects), coll, r.status, r.body[:300]))
    return r.json() if r.body else None


def page_all(client, path, limit=None, use_next=True, params=""):
    """Page through an objects/manifest endpoint; returns (items, pages, last response)."""
    items, pages, nxt, after = [], 0, None, None
    while True:
        q = params
        if limit:
            q += "&limit=%d" % limit
        if nxt:
            q += "&next=" + nxt
        elif after and not use_next:
            q += "&added_after=" + after
        r = client.get(path + ("?" + q.lstrip("&") if q else ""))
        if not check(r.status == 200, "GET %s?%s: status %d %s" % (path, q, r.status, r.body[:200])):
            return items, pages, r
        pages += 1
        doc = r.json() or {}
        items += doc.get("objects", [])
        if not doc.get("more"):
            return items, pages, r
        nxt = doc.get("next") if use_next else None
        after = r.header("X-TAXII-Date-Added-Last")
        if use_next and not nxt:
            check(False, "more without next on %s" % path)
            return items, pages, r


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
