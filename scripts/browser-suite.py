#!/usr/bin/env python3
"""Every page type in headless Chromium, as citizens and staff meet them:
on the demo district, at 390 and 1280 px, in Chinese and English, with and
without JavaScript, the citizen's flow (submit, receipt, lookup, rating)
and the staff flow (login, accept and dispatch, sign, resolve; close)
driven through the real forms. Every page visited is checked:

- axe-core (WCAG 2.1 A and AA, and best practice): no violation of
  impact moderate or above (where JavaScript is on: axe is a script);
- at 390 px the page is no wider than the screen;
- no console error, failed script or Content-Security-Policy violation;
- its <title> is text (no markup), and the answer is not an error;
- chart text is drawn at least 12 px high.

A screenshot of every page type (per width and language) goes to the
directory given; the run fails on the first page that breaks a rule.

    python3 scripts/browser-suite.py target/debug/shishi /tmp/shots [DATABASE_URL]

Without DATABASE_URL, a fresh SQLite file; with one (an empty PostgreSQL
database), that. Needs Debian's chromium and fonts-noto-cjk, and
playwright and axe-playwright-python from PyPI.
"""
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from testkit import Server

binary = sys.argv[1]
shots = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp())
shots.mkdir(parents=True, exist_ok=True)
work = tempfile.mkdtemp()
url = sys.argv[3] if len(sys.argv) > 3 else f"{work}/suite.db"
backend = "postgres" if url.startswith("postgres") else "sqlite"

started = time.time()
demo = subprocess.run([binary, "--database-url", url, "demo"], capture_output=True, text=True,
                      check=True).stdout
passwords = dict(re.findall(r"^\s+(\w+)\s+.*?\s(\w{12})$", demo, re.M))
assert {"admin", "dispatcher", "unit", "volunteer", "leader"} <= passwords.keys(), demo
print(f"{backend}: demo district loaded in {time.time() - started:.1f} s")

shishi = Server(binary, url, env={"SHISHI_SUBMIT_BURST": "1000", "SHISHI_SUBMIT_PER_HOUR": "1000"})
base = f"http://127.0.0.1:{shishi.port}"
axe = Axe()
BLOCKING = {"moderate", "serious", "critical"}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                      "best-practice"]},
               "resultTypes": ["violations"]}
seen_types = set()
# SUITE_KEEP_GOING=1: list every page's failures at the end (when fixing
# many), instead of stopping at the first.
KEEP_GOING = os.environ.get("SUITE_KEEP_GOING") == "1"
failures = []
checked = 0


# What Tab should reach in <main>: shown, enabled controls and links, a
# radio group once (by its name).
FOCUSABLE_IN_MAIN = """() => [...document.querySelectorAll(
    'main a[href], main button, main input:not([type=hidden]), main select, main textarea, main summary, main [tabindex="0"]')]
    .filter(e => e.checkVisibility() && !e.disabled && e.tabIndex >= 0)
    .map(e => e.type === 'radio' ? 'radio:' + e.name : e.tagName + '#' + (e.id || e.name || e.getAttribute('href') || e.textContent.trim().slice(0, 20)))"""
FOCUSED = """() => { const e = document.activeElement;
    if (!e || e === document.body) return null;
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return {main: !!e.closest('main'), top: r.top + scrollY, mid: r.top + scrollY + r.height / 2, fixed: s.position === 'fixed',
            key: e.type === 'radio' ? 'radio:' + e.name : e.tagName + '#' + (e.id || e.name || e.getAttribute('href') || e.textContent.trim().slice(0, 20)),
            // A part of a built-in control (a date field's calendar button)
            // has the focus and the browser's own ring: the field is not :focus.
            ring: !e.matches(':focus') || (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'}; }"""


class Visit:
    """One browser context: a person at one width, in one language, with
    or without JavaScript; collects what the console says."""

    def __init__(self, browser, width, lang, js):
        self.width, self.lang, self.js = width, lang, js
        phone = width < 600
        self.context = browser.new_context(
            viewport={"width": width, "height": 844 if phone else 900},
            is_mobile=phone, has_touch=phone, java_script_enabled=js, locale=lang)
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.tag = f"{width}-{lang}-{'js' if js else 'nojs'}"

    def go(self, path, kind):
        sep = "&" if "?" in path else "?"
        response = self.page.goto(f"{base}{path}{sep}lang={self.lang}")
        self.check(kind, response.status)

    def check(self, kind, status=None, expect=None):
        """The rules every page meets; `kind` names the page type. A page
        that answers `expect` (a 409, say) on purpose: the browser's line
        about that status is no error."""
        global checked
        page = self.page
        page.wait_for_load_state()
        where = f"{backend} {self.tag} {kind} ({page.url})"
        found = []
        if status is not None and status >= 400:
            found.append(f"answered {status}")
        title = page.title()
        if not title or "<" in title or ">" in title or len(title) > 120:
            found.append(f"<title> is {title!r}")
        if self.width <= 390:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > self.width:
                found.append(f"the page is {width} px wide at {self.width}")
        # The staff menu on one line on a desk, two at most on a phone.
        rows = page.evaluate("""() => [...document.querySelectorAll('nav.staff > *')]
            .filter(e => e.checkVisibility())
            .map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; })
            .sort((a, b) => a - b)
            .filter((y, i, all) => i === 0 || y - all[i - 1] > 16).length""")
        if rows > (2 if self.width < 600 else 1):
            found.append(f"the staff menu takes {rows} lines")
        # On a desk the inbox's codes, states and dates each on one line.
        if self.width >= 1280:
            wrapped = page.evaluate("""() => [...document.querySelectorAll('table.inbox td.nowrap')]
                .filter(td => { const r = document.createRange(); r.selectNodeContents(td);
                    const mids = [...r.getClientRects()].map(x => (x.top + x.bottom) / 2).sort((a, b) => a - b);
                    return mids.some((y, i) => i > 0 && y - mids[i - 1] > 10); })
                .map(td => td.textContent.trim()).slice(0, 3)""")
            if wrapped:
                found.append(f"wrapped onto two lines: {wrapped}")
        # Chart text as drawn, at least 12 px.
        small = page.evaluate("""() => [...document.querySelectorAll('svg text')]
            .map(t => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize))
            .filter(px => px < 11.95)""")
        if small:
            found.append(f"chart text drawn at {min(small):.1f} px")
        if expect:
            self.problems[:] = [p for p in self.problems if f"status of {expect}" not in p]
        if self.problems:
            found.append(f"console: {self.problems}")
            self.problems.clear()
        # axe is a script, so it runs where JavaScript is on; Shishi's
        # pages carry no script of their own, so the HTML is the same.
        if self.js:
            results = axe.run(page, options=AXE_OPTIONS)
            found += [f"axe {v['id']} ({v['impact']}): {v['help']} at "
                      + ", ".join(str(n["target"]) for n in v["nodes"][:3])
                      for v in results.response["violations"] if v.get("impact") in BLOCKING]
        if found:
            failures.extend(f"{where}: {f}" for f in found)
            if not KEEP_GOING:
                raise AssertionError("\n".join(failures))
        shot = (kind, self.width, self.lang)
        if shot not in seen_types:
            seen_types.add(shot)
            page.screenshot(path=str(shots / f"{backend}-{kind}-{self.lang}-{self.width}.png"),
                            full_page=True)
        checked += 1

    def login(self, username, role):
        self.go("/staff/login", "login")
        self.page.fill("#username", username)
        self.page.fill("#password", passwords[role])
        self.page.locator("form button[type=submit]").first.click()
        self.page.wait_for_load_state()
        assert "/staff/login" not in self.page.url, f"{self.tag}: {username} not logged in"

    def act(self, action, kind="matter", expect=None, **fields):
        """Takes the matter page's action `action` through its form."""
        page = self.page
        form = page.locator(f"form[action$='/{action}']").first
        assert form.count(), f"{self.tag}: no '{action}' on {page.url}"
        summary = page.locator(f"details:has(form[action$='/{action}']) > summary")
        if summary.count() and not form.is_visible():
            summary.first.click()
        for name, value in fields.items():
            field = form.locator(f"[name={name}]")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value=value)
            else:
                field.fill(value)
        form.locator("button[type=submit]").last.click()
        self.check(kind, expect=expect)

    def close(self):
        self.context.close()

    def tab_through(self, kind, limit=120):
        """Tabs from the top of the page: every field, button and link of
        <main> is reached (a radio group once), in reading order, each
        showing that it has the focus."""
        page = self.page
        where = f"{backend} {self.tag} {kind} ({page.url}) by keyboard"
        page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
        wanted = set(page.evaluate(FOCUSABLE_IN_MAIN))
        reached, order, found = set(), [], []
        for _ in range(limit):
            page.keyboard.press("Tab")
            at = page.evaluate(FOCUSED)
            if at is None or (order and at["key"] == order[0]["key"]):
                break
            if at["main"]:
                if not at["ring"]:
                    found.append(f"{at['key']} shows no focus")
                # Reading order: not above the one before (beside it is
                # the same line).
                if order and at["mid"] < order[-1]["top"] and not at["fixed"]:
                    found.append(f"{at['key']} comes after {order[-1]['key']}, above it")
                order.append(at)
                reached.add(at["key"])
        missed = wanted - reached
        if not wanted:
            found.append("nothing in <main> to reach")
        if missed:
            found.append(f"never reached: {sorted(missed)[:5]}")
        if found:
            failures.extend(f"{where}: {f}" for f in found)
            if not KEEP_GOING:
                raise AssertionError("\n".join(failures))

    def login_by_keyboard(self, username, role):
        """Logs in with the keyboard alone: Tab to the name, type, Tab,
        type the password, Enter."""
        self.go("/staff/login", "login")
        page = self.page
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "username":
                break
        else:
            raise AssertionError(f"{self.tag}: Tab never reaches the user name")
        page.keyboard.type(username)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "password", f"{self.tag}: Tab after the name"
        page.keyboard.type(passwords[role])
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "/staff/login" not in page.url, f"{self.tag}: {username} not logged in by keyboard"


def citizen_submits(v, title, lookup=True):
    zh = v.lang == "zh"
    if lookup:
        v.go("/", "home")
    v.go("/submit", "submit")
    v.tab_through("submit")
    page = v.page
    category = page.locator("#category option", has_text="市政设施" if zh else "Municipal").first
    page.select_option("#category", value=category.get_attribute("value"))
    page.fill("#title", title)
    page.fill("#description", "夏北三巷的路灯坏了一个星期，晚上很黑。" if zh
              else "The street light in Lane 3 has been out for a week.")
    place = page.locator("#place option", has_text="夏北社区" if zh else "Xiabei").first
    page.select_option("#place", value=place.get_attribute("value"))
    page.fill("#address", "夏北三巷12号")
    page.fill("#phone", "0757-86221234")
    page.check("#consent")
    page.locator("button.primary").click()
    v.check("receipt")
    assert "/track/" in page.url and "new=1" in page.url, page.url
    code = page.url.split("/track/")[1].split("?")[0]
    if not lookup:
        return code
    # Lookup by the code, as a citizen types it later.
    v.go("/track", "lookup")
    page.fill("#code", code.lower().replace("-", " "))
    page.locator("form.lookup button").click()
    v.check("track")
    assert f"/track/{code}" in page.url, page.url
    return code


def staff_flow(browser, width, lang, js, code):
    """Dispatcher: jump to the new matter by its code, accept and dispatch
    (one form); the unit: sign (one button) and resolve."""
    d = Visit(browser, width, lang, js)
    d.login("dispatcher", "dispatcher")
    d.check("inbox")
    d.go("/staff/matters?state=&q=" + ("路灯" if lang == "zh" else "light"), "inbox-search")
    # The code as read out on the phone, in the box that finds it in any state.
    d.page.fill("#jump", code.lower().replace("-", " "))
    d.page.locator("form.jump button").click()
    d.check("matter")
    assert code in d.page.content(), f"{d.tag}: the jump did not open {code}: {d.page.url}"
    d.tab_through("matter")
    # A second dispatcher has the same matter open.
    other = Visit(browser, width, lang, js)
    other.login("dispatcher2", "dispatcher")
    other.go(d.page.url.split(base)[1].split("?")[0], "matter")
    # Accepted and dispatched in one form, to the unit the place suggests.
    chosen = d.page.locator("form[action$='/accept'] select[name=unit] option:checked")
    town = "桂城街道" if lang == "zh" else "Guicheng"
    assert town in chosen.inner_text(), f"{d.tag}: suggested {chosen.inner_text()!r}"
    d.act("accept")
    assert "state-assigned" in d.page.content(), f"{d.tag}: not dispatched: {d.page.url}"
    # The second, from the page as it was: told what changed, nothing lost.
    other.act("reject", kind="conflict", expect=409, note="重复来电" if lang == "zh" else "A repeat call")
    assert other.page.locator("a.button.primary").count() == 1, f"{other.tag}: no conflict page"
    other.close()
    matter_path = d.page.url.split(base)[1].split("?")[0]
    u = Visit(browser, width, lang, js)
    u.login("unit-gc", "unit")
    u.go(matter_path, "matter")
    u.act("sign")
    u.act("resolve", note="已修复路灯。" if lang == "zh" else "The light is fixed.")
    u.close()
    d.close()


def dispatcher_closes(browser, width, lang, js):
    """The dispatcher accepts two matters at once, and closes a resolved
    online matter (the demo's)."""
    d = Visit(browser, width, lang, js)
    d.login_by_keyboard("dispatcher", "dispatcher")
    d.check("inbox")
    d.tab_through("inbox")
    # Two of the triage queue ticked and accepted together.
    boxes = d.page.locator("td.pick input[type=checkbox]")
    assert boxes.count() >= 2, f"{d.tag}: {boxes.count()} to tick"
    boxes.nth(0).check()
    boxes.nth(1).check()
    d.page.locator("form.bulk button[type=submit]").click()
    d.check("inbox-bulk")
    assert "bulk_done=2" in d.page.url, f"{d.tag}: {d.page.url}"
    d.go("/staff/matters?state=resolved&channel=online", "inbox")
    d.page.locator("table.inbox tbody tr td:first-child a").first.click()
    d.check("matter")
    d.act("close", note="已核实。" if lang == "zh" else "Checked.")
    assert "state-closed" in d.page.content(), f"{d.tag}: not closed at {d.page.url}"
    d.close()


def citizen_rates(browser, width, lang, js, code):
    v = Visit(browser, width, lang, js)
    v.go(f"/track/{code}", "track-resolved")
    v.page.fill("#digits", "1234")
    v.page.locator("form.rate input[value=satisfied]").check()
    v.page.locator("form.rate button[type=submit]").click()
    v.check("track-rated")
    assert "rated=1" in v.page.url, v.page.url
    v.close()


def other_pages(browser, width, lang, js):
    """The rest of the page types, each as the role that uses it."""
    v = Visit(browser, width, lang, js)
    for path, kind in [("/projects", "projects"), ("/projects?channel=department&show=done", "projects"),
                       ("/find", "find"), ("/privacy", "privacy")]:
        v.go(path, kind)
    v.login("admin", "admin")
    for path, kind in [("/staff/admin", "admin"), ("/staff/dashboard", "dashboard"),
                       ("/staff/fund", "fund"), ("/staff/volunteers", "volunteers"),
                       ("/staff/intake", "intake"), ("/staff/overdue", "overdue")]:
        v.go(path, kind)
        if kind == "intake":
            v.tab_through(kind)
    for link in v.page.locator("nav.staff a[href^='/staff/plan']").all()[:1]:
        v.go(link.get_attribute("href"), "plan")
    v.close()
    vol = Visit(browser, width, lang, js)
    vol.login("vol001", "volunteer")
    vol.go("/staff/me", "me")
    vol.close()


try:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        for width in (390, 1280):
            for lang in ("zh", "en"):
                for js in (False, True):
                    v = Visit(browser, width, lang, js)
                    code = citizen_submits(v, "夏北三巷路灯不亮" if lang == "zh"
                                           else "Street light out on Lane 3")
                    # Two more for the dispatcher to accept together.
                    for _ in range(2):
                        citizen_submits(v, "夏北社区井盖松动" if lang == "zh"
                                        else "Loose drain cover in Xiabei", lookup=False)
                    v.close()
                    staff_flow(browser, width, lang, js, code)
                    citizen_rates(browser, width, lang, js, code)
                    dispatcher_closes(browser, width, lang, js)
                    other_pages(browser, width, lang, js)
                    print(f"{backend} {width} px {lang} {'with' if js else 'without'} "
                          f"JavaScript: citizen and staff flows pass")
        browser.close()
    if failures:
        raise SystemExit("\n".join(failures))
    print(f"{backend}: {checked} pages checked ({len(seen_types)} screenshots, one per page type, width and "
          f"language, in {shots}) in {time.time() - started:.0f} s")
finally:
    shishi.stop()
