#!/usr/bin/env python3
"""Notifications arrive, once, at a real SMTP server and a webhook that
checks their signature, and none is lost when the server dies between a
step and its delivery.

The script starts an SMTP server (aiosmtpd) and an HTTP receiver that
checks each post's HMAC-SHA256 signature, then Shishi with --smtp-url and
--notify-webhook. A citizen submits a request leaving an e-mail address and
agreeing to text messages; staff accept it, dispatch it to a unit whose
member has an e-mail address, and resolve it. Every message must arrive
once: the citizen's four by e-mail and four by text, the unit's one.

Then the mail server is stopped, the citizen rates the reply unsatisfied
(reopening the request), Shishi is killed with SIGKILL while that message
waits, the mail server comes back and Shishi is started again: the message
arrives, once.

    python3 scripts/notify-test.py target/debug/shishi DATABASE   (a SQLite path or postgres:// URL)
"""
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import re
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller

from testkit import Browser, Server, free_port

SECRET = "a-webhook-secret"
binary, database = sys.argv[1], sys.argv[2]

mails, texts, bad_signatures = [], [], []


class Mailbox:
    async def handle_DATA(self, server, session, envelope):
        mails.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK"


class Gateway(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        want = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, self.headers.get("X-Shishi-Signature", "")):
            bad_signatures.append(body)
            self.send_response(401)
        else:
            texts.append((self.headers["X-Shishi-Delivery"], json.loads(body)))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


smtp_port, hook_port = free_port(), free_port()
mail = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port)
mail.start()
hook = http.server.ThreadingHTTPServer(("127.0.0.1", hook_port), Gateway)
threading.Thread(target=hook.serve_forever, daemon=True).start()

flags = ["--smtp-url", f"smtp://127.0.0.1:{smtp_port}", "--mail-from", "实事 <noreply@shishi.example.cn>",
         "--notify-webhook", f"http://127.0.0.1:{hook_port}/sms", "--public-url", "https://shishi.example.cn"]
env = {"SHISHI_NOTIFY_SECRET": SECRET}
shishi = Server(binary, database, *flags, env=env)


def wait_for(what, check, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}: mails {len(mails)}, texts {len(texts)}")


def subjects():
    return [(rcpt[0], str(msg["subject"])) for rcpt, msg in mails]


def act(browser, mid, action, **fields):
    _, page = browser.get(f"/staff/matters/{mid}")
    page = page.decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    res, _ = browser.request("POST", f"/staff/matters/{mid}/{action}",
                             dict(fields, csrf_token=token, version=version))
    assert res.status == 303, (action, res.status)


try:
    shishi.add_user("disp", "dispatcher")
    shishi.add_user("gc", "unit", unit="GC")
    shishi.cli("user", "add", "gc2", "--role", "unit", "--unit", "GC", "--email", "gc2@nanhai.example.cn",
               stdin="testkit-password\n")
    citizen = Browser(shishi.port)
    res = citizen.submit("夏北三巷路灯不亮", email="chen@example.cn", sms="yes")
    assert res.status == 303, res.status
    code = res.getheader("location").split("/track/")[1].split("?")[0]

    disp, unit = Browser(shishi.port), Browser(shishi.port)
    assert disp.login("disp") == 303 and unit.login("gc") == 303
    _, inbox = disp.get("/staff/matters?state=submitted")
    mid = re.findall(rb'href="/staff/matters/(\d+)"', inbox)[0].decode()
    act(disp, mid, "accept")
    _, page = disp.get(f"/staff/matters/{mid}")
    page = page.decode()
    select = page[page.index('name="unit"'):]
    unit_id = re.search(r'<option value="(\d+)"(?: selected)?>桂城', select).group(1)
    act(disp, mid, "dispatch", unit=unit_id)
    act(unit, mid, "sign")
    act(unit, mid, "resolve", note="已更换灯泡，恢复照明")

    wait_for("nine messages", lambda: len(mails) >= 5 and len(texts) >= 4)
    time.sleep(1.5)  # anything sent twice would have come by now
    # (A digest of deadlines may come too, from 08:00 China time.)
    got = [(r, s) for r, s in subjects() if "临期" not in s]
    citizen_mails = [s for r, s in got if r == "chen@example.cn"]
    assert len(citizen_mails) == 4, got
    for word in ["已收到", "已受理", "已派给责任单位", "已办结"]:
        assert sum(word in s for s in citizen_mails) == 1, (word, citizen_mails)
    unit_mails = [s for r, s in got if r == "gc2@nanhai.example.cn"]
    assert len(unit_mails) == 1 and "新派单" in unit_mails[0], got
    assert len(got) == 5, got
    kinds = sorted(t["kind"] for _, t in texts)
    assert kinds == sorted(["citizen_submitted", "citizen_accepted", "citizen_dispatched", "citizen_resolved"]), kinds
    assert all(t["to"] == "13812345678" and code in t["text"] for _, t in texts), texts
    assert len({d for d, _ in texts}) == 4, "each delivery id once"
    assert not bad_signatures
    first = mails[0][1]
    assert f"https://shishi.example.cn/track/{code}" in first.get_content(), "the link, under the public URL"
    assert str(first["message-id"]).startswith("<shishi-")
    assert len({str(m["message-id"]) for _, m in mails}) == len(mails), "each message once"
    print(f"delivered once each: {len(mails)} e-mails (citizen 4, unit 1), {len(texts)} signed texts; "
          f"0 bad signatures")

    # The mail server goes away; a step's message waits; the server dies.
    mail.stop()
    _, page = citizen.get(f"/track/{code}")
    page = page.decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    res, _ = citizen.request("POST", f"/track/{code}/rate",
                             {"csrf_token": token, "version": version, "digits": "5678", "rating": "unsatisfied"})
    assert res.status == 303, res.status
    wait_for("the text of the reopening", lambda: len(texts) >= 5)
    time.sleep(1.0)  # the e-mail has been tried and failed at least once
    shishi.proc.send_signal(signal.SIGKILL)
    shishi.proc.wait(10)

    mail = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port)
    mail.start()
    shishi = Server(binary, database, *flags, env=env)
    reopened = lambda: [s for r, s in subjects() if r == "chen@example.cn" and "重新办理" in s]
    wait_for("the reopening's e-mail after the restart", lambda: reopened(), seconds=40)
    time.sleep(2.0)
    assert len(reopened()) == 1, subjects()
    assert len([s for _, s in subjects() if "临期" not in s]) == 6, subjects()
    assert len(texts) == 5 and not bad_signatures
    print("killed while the reopening's e-mail waited for the mail server: delivered after the restart, once")
finally:
    shishi.stop() if shishi.proc.poll() is None else None
    mail.stop()
    hook.shutdown()
