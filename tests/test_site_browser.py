"""The public site in a real browser: headless Chromium (Debian `chromium`) driven over the DevTools
protocol. Pages load from a local web server and from file:// with no console errors, the search
finds a known item, and screenshots are written to look at in the test's temporary folder (kept when
the test fails, or for every test with -o tmp_path_retention_policy=all: pytest-of-<user>/ in the
temporary folder)."""
from __future__ import annotations

import base64
import functools
import http.server
import json
import shutil
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import websocket
from conftest import copy_campaign, invoke

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
                  "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1")
KNOWN_TITLE = "关于建立黄河山东段市际横向生态保护补偿机制的建议"
TIMEOUT = 30

pytestmark = pytest.mark.e2e


class Browser:
    """A minimal DevTools-protocol client: one websocket to the browser, one page session."""

    def __init__(self, profile: Path):
        self.proc = subprocess.Popen([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT
        while not (port_file.is_file() and len(port_file.read_text().split("\n")) >= 2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"Chromium did not start (exit {self.proc.returncode})")
            time.sleep(0.05)
        port, path = port_file.read_text().split("\n")[:2]
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=TIMEOUT, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for i, ev in enumerate(self.events):
                if ev.get("method") == method:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(method)

    def open(self, url: str) -> list[str]:
        """Load ``url``; return the console errors, uncaught exceptions and failed loads it caused."""
        self.events.clear()
        result = self.call("Page.navigate", session=True, url=url)
        assert not result.get("errorText"), f"{url}: {result.get('errorText')}"
        self.wait_for("Page.loadEventFired")
        self.call("Runtime.evaluate", session=True, expression="1")  # flush events queued during load
        return self.errors()

    def errors(self) -> list[str]:
        out = []
        for ev in self.events:
            p = ev.get("params", {})
            if ev.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif ev.get("method") == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}), ensure_ascii=False)[:500])
            elif ev.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log: " + p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
        return out

    def eval(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True,
                           awaitPromise=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def screenshot(self, path: Path, width: int, mobile: bool = False) -> None:
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=900,
                  deviceScaleFactor=1, mobile=mobile)
        height = self.eval("Math.ceil(document.documentElement.scrollHeight)")
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=min(height, 4000),
                  deviceScaleFactor=1, mobile=mobile)
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        self.call("Emulation.clearDeviceMetricsOverride", session=True)

    def close(self) -> None:
        if getattr(self, "ws", None):
            self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The sample campaign's site (its bulletin issues 001 and 002 are public)."""
    campaign = copy_campaign(tmp_path_factory.mktemp("site") / "campaign")
    res = invoke(campaign, "site")
    assert res.code == 0, res
    return campaign / "build" / "site"


@pytest.fixture(scope="module")
def server(site: Path):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: apt-get install -y chromium (.ci/run installs it)")
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def test_every_page_loads_without_console_errors(browser: Browser, server: str, site: Path):
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len(pages) > 20
    problems = {page: errs for page in pages if (errs := browser.open(server + page))}
    assert problems == {}
    assert browser.eval("document.documentElement.lang") == "zh-CN"
    # the stylesheet was applied (a missing CSS file shows as no red masthead)
    browser.open(server + "index.html")
    assert browser.eval("getComputedStyle(document.querySelector('.masthead')).backgroundColor") == "rgb(183, 20, 27)"


def result_titles(browser: Browser) -> list[str]:
    return browser.eval("Array.from(document.querySelectorAll('#search-results a')).map(a => a.textContent)")


def test_search_from_the_url_and_by_typing(browser: Browser, server: str):
    assert browser.open(server + "search.html?q=" + quote("生态补偿")) == []
    titles = result_titles(browser)
    assert KNOWN_TITLE in titles
    assert browser.eval("document.getElementById('search-input').value") == "生态补偿"
    assert "找到" in browser.eval("document.getElementById('search-status').textContent")
    # typing narrows the results as you go; every word must match
    browser.eval("(() => { const i = document.getElementById('search-input'); i.value = ''; i.focus(); })()")
    browser.call("Input.insertText", session=True, text="628公里")
    assert result_titles(browser) == [KNOWN_TITLE]
    assert browser.eval("document.querySelector('#search-results mark').textContent") == "628公里"
    browser.eval("(() => { const i = document.getElementById('search-input'); i.value = '没有这种内容的词语'; "
                 "i.dispatchEvent(new Event('input')); })()")
    assert result_titles(browser) == []
    assert "没有找到" in browser.eval("document.getElementById('search-status').textContent")


def test_search_result_link_opens_the_item(browser: Browser, server: str):
    browser.open(server + "search.html?q=" + quote("横向生态保护补偿"))
    href = browser.eval("document.querySelector('#search-results a').href")
    assert href == server + "items/2021-minge-001.html"
    assert browser.open(href) == []
    assert browser.eval("document.querySelector('h1').textContent") == KNOWN_TITLE


def test_header_search_box_submits_to_the_search_page(browser: Browser, server: str):
    browser.open(server + "items/2021-minge-001.html")
    browser.eval("(() => { const f = document.querySelector('.searchbox'); f.q.value = '黄河'; f.submit(); })()")
    browser.wait_for("Page.loadEventFired")
    assert browser.eval("location.pathname") == "/search.html"
    assert KNOWN_TITLE in result_titles(browser)


def test_works_from_the_folder_without_a_server(browser: Browser, site: Path):
    url = (site / "search.html").as_uri() + "?q=" + quote("生态补偿")
    assert browser.open(url) == []
    assert KNOWN_TITLE in result_titles(browser)
    assert browser.open((site / "items/2021-minge-001.html").as_uri()) == []


def test_screenshots_desktop_and_mobile(browser: Browser, server: str, tmp_path: Path):
    shots = {"site-home.png": ("index.html", 1280, False),
             "site-item.png": ("items/2021-minge-001.html", 1280, False),
             "site-issue.png": ("issues/2021-001.html", 1280, False),
             "site-search.png": ("search.html?q=" + quote("黄河"), 1280, False),
             "site-home-mobile.png": ("index.html", 390, True)}
    for name, (page, width, mobile) in shots.items():
        browser.open(server + page)
        browser.screenshot(tmp_path / name, width, mobile)
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    # on a phone the page does not scroll sideways
    browser.call("Emulation.setDeviceMetricsOverride", session=True, width=390, height=800, deviceScaleFactor=1,
                 mobile=True)
    for page in ("index.html", "items/2021-minge-001.html", "issues/2021-001.html"):
        browser.open(server + page)
        assert browser.eval("document.documentElement.scrollWidth") <= 390, page
    browser.call("Emulation.clearDeviceMetricsOverride", session=True)
