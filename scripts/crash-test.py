#!/usr/bin/env python3
"""Kill Shishi mid-load and check that nothing it acknowledged was lost.

Starts the server on a fresh database, fires citizen submissions, dispatcher
acceptances and fund allocations from many threads, kills the server with
SIGKILL while they run, starts it again on the same database and checks:

  * every submission that got its receipt (303 to /track/CODE) is there;
  * every acceptance that got its success (303 back to the matter) is there;
  * the fund holds at least every acknowledged allocation, and never more
    than every attempted one;
  * `shishi check`: each matter's state is its last transition's, its
    version counts its events, the fund's balance is not negative.

Usage: crash-test.py BIN DATABASE_URL [SECONDS_BEFORE_KILL]
Prints a summary line per figure and exits 1 on any loss.
"""
import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

BIN, URL = sys.argv[1], sys.argv[2]
KILL_AFTER = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
PASSWORD = "crash-test-password"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = free_port()
ENV = dict(os.environ, SHISHI_SUBMIT_BURST="1000000", SHISHI_SUBMIT_PER_HOUR="1000000",
           RUST_LOG="warn")


def shishi(*args, stdin=None):
    return subprocess.run([BIN, "--database-url", URL, *args], input=stdin, env=ENV,
                          capture_output=True, text=True, check=True).stdout


def start():
    log = open(f"/tmp/crash-test-{PORT}.log", "a")
    proc = subprocess.Popen([BIN, "--database-url", URL, "serve", "--bind", f"127.0.0.1:{PORT}"],
                            env=ENV, stdout=log, stderr=log)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start")


class Client:
    """One browser: a connection, and the cookies it was given."""

    def __init__(self):
        self.cookies = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

    def request(self, method, path, form=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        res = self.conn.getresponse()
        text = res.read().decode("utf-8", "replace")
        for value in res.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return res.status, res.headers.get("Location", ""), text


def field(page, name):
    m = re.search(rf'name="{name}" value="([^"]*)"', page)
    return html.unescape(m.group(1)) if m else ""


def option(page, select):
    block = page[page.find(f'name="{select}"'):]
    m = re.search(r'<option value="(\d+)"', block)
    return m.group(1)


def staff(name):
    c = Client()
    _, _, page = c.request("GET", "/staff/login")
    status, _, _ = c.request("POST", "/staff/login", {
        "csrf_token": field(page, "csrf_token"), "username": name, "password": PASSWORD})
    assert status == 303, f"{name} could not log in: {status}"
    return c


submitted, accepted, allocated = [], [], []
attempted_allocations = [0]
lock = threading.Lock()
stop = threading.Event()


def citizen():
    c = Client()
    _, _, page = c.request("GET", "/submit")
    form = {"csrf_token": field(page, "csrf_token"), "category": option(page, "category"),
            "place": option(page, "place"), "title": "路灯不亮需要维修",
            "description": "小区门口的路灯已经连续三晚不亮，夜里出行不安全。",
            "address": "崩溃测试路 1 号", "phone": "13812345678", "consent": "yes"}
    while not stop.is_set():
        try:
            status, location, _ = c.request("POST", "/submit", form)
        except OSError:
            return
        if status == 303 and location.startswith("/track/"):
            with lock:
                submitted.append(location.split("/")[2].split("?")[0])


def dispatcher():
    c = staff("crash-dispatcher")
    while not stop.is_set():
        try:
            _, _, inbox = c.request("GET", "/staff/matters?state=submitted&sort=oldest")
            ids = re.findall(r'href="/staff/matters/(\d+)"', inbox)
            if not ids:
                time.sleep(0.01)
                continue
            mid = ids[hash(threading.current_thread().name) % min(len(ids), 3)]
            _, _, page = c.request("GET", f"/staff/matters/{mid}")
            status, location, _ = c.request("POST", f"/staff/matters/{mid}/accept", {
                "csrf_token": field(page, "csrf_token"), "version": field(page, "version")})
        except OSError:
            return
        if status == 303 and location.startswith(f"/staff/matters/{mid}"):
            with lock:
                accepted.append(int(mid))


def treasurer():
    c = staff("crash-admin")
    while not stop.is_set():
        try:
            _, _, page = c.request("GET", "/staff/fund")
            with lock:
                attempted_allocations[0] += 1
            status, _, _ = c.request("POST", "/staff/fund/allocate", {
                "csrf_token": field(page, "csrf_token"), "amount": "1", "note": "崩溃测试"})
        except OSError:
            return
        if status == 303:
            with lock:
                allocated.append(1)


def main():
    shishi("migrate")
    shishi("user", "add", "crash-dispatcher", "--role", "dispatcher", stdin=PASSWORD + "\n")
    shishi("user", "add", "crash-admin", "--role", "admin", stdin=PASSWORD + "\n")
    server = start()
    threads = [threading.Thread(target=citizen, name=f"c{i}") for i in range(12)]
    threads += [threading.Thread(target=dispatcher, name=f"d{i}") for i in range(3)]
    threads += [threading.Thread(target=treasurer, name="t")]
    for t in threads:
        t.start()
    time.sleep(KILL_AFTER)
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    with lock:
        codes, accepts, allocs = list(submitted), set(accepted), len(allocated)
        tried = attempted_allocations[0]

    server = start()
    lost = []
    c = Client()
    for code in codes:
        status, _, _ = c.request("GET", f"/track/{code}")
        if status != 200:
            lost.append(code)
    d = staff("crash-dispatcher")
    lost_accepts = []
    for mid in accepts:
        _, _, page = d.request("GET", f"/staff/matters/{mid}")
        if "state-submitted" in page or f"/staff/matters/{mid}" not in page:
            lost_accepts.append(mid)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)

    report = shishi("check")
    allocated_fen = int(re.search(r"fund allocated fen: (-?\d+)", report).group(1))
    print(f"submissions acknowledged: {len(codes)}, found after the crash: {len(codes) - len(lost)}")
    print(f"acceptances acknowledged: {len(accepts)}, found after the crash: {len(accepts) - len(lost_accepts)}")
    print(f"allocations acknowledged: {allocs}, attempted: {tried}, in the ledger: {allocated_fen // 100}")
    print(report.strip().replace("\n", "; "))
    ok = (not lost and not lost_accepts and allocs * 100 <= allocated_fen <= tried * 100
          and "sound" in report and len(codes) > 0 and len(accepts) > 0 and allocs > 0)
    if not ok:
        print(f"LOST: submissions {lost[:10]}, acceptances {lost_accepts[:10]}")
        sys.exit(1)
    print("crash test passed")


if __name__ == "__main__":
    main()
