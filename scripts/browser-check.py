#!/usr/bin/env python3
"""The citizen's form with a photo, in headless Chromium at phone width
(390 × 844), in Chinese and in English: the photo is chosen with the file
picker, the form is sent without any script of ours, and the receipt shows
the photo's thumbnail (loaded, not broken). Each page must fit the screen's
width and its touch targets (buttons, radios' labels, the file input) be
at least 44 px high. Screenshots go to the directory given (PNG).

    python3 scripts/browser-check.py target/debug/shishi /tmp/shots

Needs Debian's chromium and fonts-noto-cjk, and playwright from PyPI.
"""
import pathlib
import sys
import tempfile

from playwright.sync_api import sync_playwright

from testkit import Server

shots = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp())
shots.mkdir(parents=True, exist_ok=True)
work = tempfile.mkdtemp()
shishi = Server(sys.argv[1], f"{work}/browser.db", env={"SHISHI_SUBMIT_BURST": "10"})
base = f"http://127.0.0.1:{shishi.port}"


def fits(page, what):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{what}: the page is {width} px wide at 390"


def tall_enough(page, selector, what):
    for box in [e.bounding_box() for e in page.query_selector_all(selector)]:
        if box and box["width"] > 0:
            assert box["height"] >= 44, f"{what}: {selector} is {box['height']} px high"


try:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        for lang, texts in [
            ("zh", {"title": "夏北三巷路灯不亮", "place": "夏北社区", "category": "市政设施",
                    "button": "提交", "received": "我们收到的内容"}),
            ("en", {"title": "Street light out on Lane 3", "place": "Xiabei", "category": "Municipal",
                    "button": "Submit", "received": "What we received"}),
        ]:
            context = browser.new_context(viewport={"width": 390, "height": 844},
                                          device_scale_factor=2, is_mobile=True, has_touch=True,
                                          java_script_enabled=False)
            page = context.new_page()
            # A photo to choose: a JPEG the browser itself makes.
            maker = browser.new_page()
            maker.set_content("<body style='margin:0;background:linear-gradient(#369,#fc3)'>"
                              "<h1 style='font:80px sans-serif;color:#fff'>路灯</h1></body>")
            photo = pathlib.Path(work) / f"street-{lang}.jpg"
            photo.write_bytes(maker.screenshot(type="jpeg", quality=85))
            maker.close()

            page.goto(f"{base}/submit?lang={lang}")
            fits(page, f"{lang} form")
            category = page.locator("#category option", has_text=texts["category"]).first
            page.select_option("#category", value=category.get_attribute("value"))
            page.fill("#title", texts["title"])
            page.fill("#description", "夏北社区三巷的路灯已经坏了一个星期，晚上很黑。" if lang == "zh"
                      else "The street light in Lane 3 has been out for a week; it is dark at night.")
            place = page.locator("#place option", has_text=texts["place"]).first
            page.select_option("#place", value=place.get_attribute("value"))
            page.fill("#address", "夏北三巷12号")
            page.fill("#phone", "0757-86221234")
            page.check("#consent")
            with page.expect_file_chooser() as chooser:
                page.click("#photos")
            chooser.value.set_files(str(photo))
            tall_enough(page, "button.primary", f"{lang} form")
            tall_enough(page, "input[type=file]", f"{lang} form")
            page.screenshot(path=str(shots / f"form-{lang}.png"), full_page=True)
            page.click("button.primary")
            page.wait_for_load_state()
            assert "/track/" in page.url and "new=1" in page.url, page.url
            assert texts["received"] in page.content(), f"{lang}: the receipt says what was received"
            img = page.locator("ul.photos img").first
            img.scroll_into_view_if_needed()
            loaded = page.evaluate("() => [...document.querySelectorAll('ul.photos img')]"
                                   ".map(i => i.complete && i.naturalWidth)")
            assert loaded and all(w and w > 0 for w in loaded), f"{lang}: thumbnails {loaded}"
            fits(page, f"{lang} receipt")
            page.screenshot(path=str(shots / f"receipt-{lang}.png"), full_page=True)
            # The whole photo opens from the thumbnail.
            href = page.locator("ul.photos a").first.get_attribute("href")
            res = page.request.get(base + href)
            assert res.status == 200 and res.headers["content-type"] == "image/jpeg"
            print(f"{lang}: form and receipt fit 390 px; photo chosen in the picker, "
                  f"thumbnail {loaded[0]} px wide loaded; screenshots in {shots}")
            context.close()
        browser.close()
finally:
    shishi.stop()
