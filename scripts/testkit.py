"""What the scripts that test a running Shishi share: start the binary on a
fresh database, add a staff account, and a small browser (cookies, forms
with their CSRF token, an optional source address)."""
import http.client
import os
import re
import socket
import subprocess
import time
import urllib.parse

PASSWORD = "testkit-password"


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    """`shishi serve` on a database URL, on a free loopback port."""

    def __init__(self, binary, url, *flags, env=None, log=None):
        self.binary, self.url = binary, url
        self.port = free_port()
        self.env = dict(os.environ, RUST_LOG="info", **(env or {}))
        self.log_path = log or f"/tmp/testkit-{self.port}.log"
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [binary, "--database-url", url, "serve", "--bind", f"127.0.0.1:{self.port}", *flags],
            env=self.env, stdout=self.log, stderr=self.log)
        for _ in range(300):
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"the server did not start; see {self.log_path}")

    def cli(self, *args, stdin=None):
        return subprocess.run([self.binary, "--database-url", self.url, *args], input=stdin,
                              env=self.env, capture_output=True, text=True, check=True).stdout

    def add_user(self, name, role, unit=None):
        args = ["user", "add", name, "--role", role] + (["--unit", unit] if unit else [])
        self.cli(*args, stdin=PASSWORD + "\n")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)
        self.log.close()


class Browser:
    """One browser: cookies, forms, and a source address of its own."""

    def __init__(self, port, host="127.0.0.1", source=None, headers=None):
        self.port, self.host, self.source = port, host, source
        self.cookies = {}
        self.extra = headers or {}

    def request(self, method, path, form=None, headers=None, files=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30,
                                          source_address=(self.source, 0) if self.source else None)
        h = dict(self.extra, **(headers or {}))
        h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if files is not None:
            # multipart/form-data, as a browser posts a form with a file input.
            boundary = "----shishi-test-boundary-7MA4YWxkTrZu0gW"
            parts = []
            for k, v in (form or {}).items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
            for name, data in files:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="{name}"\r\n'
                             f'Content-Type: image/jpeg\r\n\r\n'.encode() + data + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            h["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=h)
        res = conn.getresponse()
        data = res.read()
        for value in res.headers.get_all("set-cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";")[0]
        conn.close()
        return res, data

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, page, action, fields):
        """Opens `page` for its CSRF token and posts `fields` to `action`."""
        _, html = self.get(page)
        token = re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()
        return self.request("POST", action, dict(fields, csrf_token=token))

    def option(self, html, label):
        """The value of the first option whose label starts with `label`."""
        at = html.index(f">{label}".encode())
        start = html.rindex(b'value="', 0, at) + 7
        return html[start:html.index(b'"', start)].decode()

    def login(self, name, password=PASSWORD):
        res, _ = self.post_form("/staff/login", "/staff/login",
                                {"username": name, "password": password})
        return res.status

    def submit(self, title, **fields):
        """A citizen's request through the form; returns the response."""
        _, html = self.get("/submit")
        form = {
            "category": self.option(html, "市政设施"), "title": title,
            "description": "夏北社区三巷的路灯已经坏了一个星期，晚上很黑。",
            "place": self.option(html, "夏北社区"), "address": "夏北三巷12号",
            "phone": "13812345678", "consent": "yes",
        }
        form.update(fields)
        token = re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()
        res, _ = self.request("POST", "/submit", dict(form, csrf_token=token))
        return res
