#!/usr/bin/env python3
"""Shishi behind the real nginx, configured with the repository's
deploy/nginx/shishi-proxy.conf (the HTTPS server around it left out), on
loopback ports; clients from two source addresses, 127.0.0.2 and
127.0.0.3:

  * the submission limit counts each citizen, not the proxy: one address
    is limited, the other is not;
  * a client's own X-Forwarded-For changes nothing;
  * a password guesser at one address is refused while the owner, at the
    other, logs in;
  * Shishi's log names the clients, and its request ids are nginx's;
  * bodies over the limit stop at nginx (413).

Usage: proxy-test.py BIN   (needs nginx; exits 1 on any failure)
"""
import json
import re
import os
import pathlib
import subprocess
import sys
import tempfile
import time

from testkit import Browser, Server, free_port

ROOT = pathlib.Path(__file__).resolve().parent.parent
work = pathlib.Path(tempfile.mkdtemp())
os.chmod(work, 0o777)
shishi = Server(sys.argv[1], str(work / "proxy.db"), "--trusted-proxies", "127.0.0.1",
                "--log-format", "json",
                env={"SHISHI_SUBMIT_BURST": "2", "SHISHI_SUBMIT_PER_HOUR": "1"})
port = free_port()
(work / "nginx.conf").write_text(f"""
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 64; }}
http {{
    log_format ids '$remote_addr $request_id $status "$request"';
    access_log {work}/access.log ids;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    upstream shishi {{ server 127.0.0.1:{shishi.port}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        include {ROOT}/deploy/nginx/shishi-proxy.conf;
    }}
}}
""")
nginx = subprocess.Popen(["nginx", "-c", str(work / "nginx.conf"), "-g", "daemon off;"])
try:
    for _ in range(100):
        try:
            if Browser(port, source="127.0.0.4").get("/healthz")[0].status == 200:
                break
        except OSError:
            time.sleep(0.05)
    a = Browser(port, source="127.0.0.2")
    b = Browser(port, source="127.0.0.3")

    # The submission limit, per citizen: a burst of two, then one an hour.
    assert [a.submit("夏北三巷路灯不亮").status for _ in range(3)] == [303, 303, 429]
    assert b.submit("夏北三巷路灯不亮").status == 303, "the other citizen is not limited"
    # Writing X-Forwarded-For oneself buys nothing.
    a.extra["X-Forwarded-For"] = "198.51.100.77"
    assert a.submit("夏北三巷路灯不亮").status == 429, "a spoofed address is not a new client"
    b.extra["X-Forwarded-For"] = "198.51.100.78"
    assert [b.submit("夏北三巷路灯不亮").status for _ in range(2)] == [303, 429]
    a.extra.clear(); b.extra.clear()
    print("submissions: 127.0.0.2 limited after 2, 127.0.0.3 not; spoofed X-Forwarded-For ignored")

    # The login throttle: the guesser's address is refused, the owner's is not.
    shishi.add_user("clerk", "dispatcher")
    guesser, owner = Browser(port, source="127.0.0.2"), Browser(port, source="127.0.0.3")
    assert [guesser.login("clerk", "guess-123") for _ in range(5)] == [401] * 5
    assert guesser.login("clerk") == 429, "the guesser's address is refused"
    assert owner.login("clerk") == 303, "the owner gets in"
    print("logins: 5 failures at 127.0.0.2 refuse it (429); the right password at 127.0.0.3 gets in")

    # Bodies over Shishi's limit stop at nginx: 1 MiB for forms, 32 MiB
    # for the forms that carry photos.
    res, _ = a.request("POST", "/staff/login", {"username": "长" * 400_000})
    assert res.status == 413, res.status
    res, _ = a.request("POST", "/submit", {"title": "x"}, files=[("a.jpg", b"\xff" * 34_000_000)])
    assert res.status == 413, res.status
    # A photo of a few MB passes nginx and is Shishi's to judge (this one
    # is no image: 422, with the message beside the field).
    c = Browser(port, source="127.0.0.4")
    _, html = c.get("/submit")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()
    res, html = c.request("POST", "/submit", {"csrf_token": token, "title": "夏北三巷路灯不亮"},
                          files=[("street.jpg", b"\xff\xd8\xff" + b"\x00" * 3_000_000)])
    assert res.status == 422, res.status
    assert "photos-error" in html.decode(), "the photo's message beside its field"

    # Shishi's log: the clients by their own addresses, nginx's request ids.
    res, _ = b.get("/")
    rid = res.getheader("x-request-id")
    assert rid and len(rid) == 32, rid
    time.sleep(0.3)
    lines = [json.loads(l) for l in open(shishi.log_path) if l.startswith("{")]
    # Through nginx: the requests with nginx's ids (32 hex digits).
    requests = [l for l in lines if l.get("target") == "shishi::request" and len(l["id"]) == 32]
    clients = {l["client"] for l in requests}
    assert clients == {"127.0.0.2", "127.0.0.3", "127.0.0.4"}, clients
    assert any(l["id"] == rid for l in requests), "Shishi's id is nginx's"
    assert rid in (work / "access.log").read_text(), "and nginx logged it"
    print(f"log: {len(requests)} request lines, clients {sorted(clients)}, ids shared with nginx; 413 at nginx (1 MiB forms, 32 MiB photo forms), a 3 MB photo passed to Shishi")
finally:
    nginx.terminate()
    nginx.wait(10)
    shishi.stop()
