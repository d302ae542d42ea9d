"""cdp.py - a small driver for Debian's headless chromium over the Chrome
DevTools Protocol (CDP), for tests/integration/cockpit_page.sh.

Why our own driver: Debian 12 packages neither Selenium's chromedriver for
its chromium in a matching version nor Puppeteer/Playwright; Cockpit's own
test driver (test/common/cdp-driver.js) is not packaged either. What a page
test needs from CDP is a handful of calls (navigate, evaluate, real mouse
clicks and typed text, screenshots), which fit in this file on top of
Debian's python3-websocket, with nothing fetched from npm or the network.

Every wait is bounded; every command has a timeout. Chromium runs with a
throwaway profile, no network but loopback (host-resolver rules), and is
killed when the Browser is closed.
"""

import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request

import websocket


class BrowserCannotStart(Exception):
    """Chromium is missing or does not start here (the test is skipped)."""


class StepFailed(Exception):
    pass


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    def __init__(self, profile_dir, width=1280, height=900, start_timeout=30):
        chromium = find_chromium()
        if not chromium:
            raise BrowserCannotStart("no chromium binary")
        os.makedirs(profile_dir, exist_ok=True)
        self.profile_dir = profile_dir
        self.log = open(os.path.join(profile_dir, "chromium.log"), "wb")
        # --no-sandbox: the tests run as root, where chromium refuses its
        # sandbox; it only ever loads the test's cockpit-ws on loopback.
        args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--mute-audio",
                "--password-store=basic", "--use-mock-keychain",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--user-data-dir=" + profile_dir, "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", "--window-size=%d,%d" % (width, height), "about:blank"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                     start_new_session=True)
        port_file = os.path.join(profile_dir, "DevToolsActivePort")
        deadline = time.monotonic() + start_timeout
        port = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.close()
                raise BrowserCannotStart("chromium exited with status %d" % self.proc.returncode)
            try:
                with open(port_file) as f:
                    port = int(f.readline().strip())
                break
            except (OSError, ValueError):
                time.sleep(0.1)
        if port is None:
            self.close()
            raise BrowserCannotStart("chromium opened no DevTools port within %d s" % start_timeout)
        self.port = port
        targets = self._json("/json/list")
        pages = [t for t in targets if t.get("type") == "page"]
        if not pages:
            self.close()
            raise BrowserCannotStart("chromium has no page target")
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30,
                                              suppress_origin=True)
        self.next_id = 0
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.set_size(width, height)

    def _json(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path), timeout=10) as r:
            return json.load(r)

    def close(self):
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        self.log.close()

    # ---- the protocol ----
    def send(self, method, params=None, timeout=30):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StepFailed("no answer to %s within %d s" % (method, timeout))
            self.ws.settimeout(left)
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                raise StepFailed("no answer to %s within %d s" % (method, timeout))
            if msg.get("id") != mid:
                continue  # an event
            if "error" in msg:
                raise StepFailed("%s failed: %s" % (method, msg["error"].get("message")))
            return msg.get("result", {})

    def eval(self, expression, timeout=30):
        """The value of a JavaScript expression in the top frame (promises awaited)."""
        r = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                           "returnByValue": True, "userGesture": True}, timeout)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise StepFailed("JavaScript error: %s" % (d.get("exception", {}).get("description") or d.get("text")))
        return r.get("result", {}).get("value")

    def wait(self, expression, what, timeout=20):
        """Until the expression is truthy; its value."""
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = self.eval(expression)
                if value:
                    return value
            except StepFailed as e:
                last_error = e
            time.sleep(0.1)
        raise StepFailed("timed out after %d s waiting for %s%s" % (timeout, what,
                                                                    " (%s)" % last_error if last_error else ""))

    def navigate(self, url):
        self.send("Page.navigate", {"url": url})

    def set_size(self, width, height, mobile=False):
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": mobile})

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def clear_cookies(self):
        self.send("Network.clearBrowserCookies")

    # ---- input, as a user gives it ----
    def click_at(self, x, y):
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                   "clickCount": 0 if kind == "mouseMoved" else 1})

    def insert_text(self, text):
        self.send("Input.insertText", {"text": text})

    KEYS = {"Enter": ("Enter", 13, "\r"), "Escape": ("Escape", 27, None), "Tab": ("Tab", 9, None),
            "Space": ("Space", 32, " ")}

    def press(self, name):
        """A key press as the keyboard gives it (Enter, Escape, Tab, Space)."""
        code, keycode, text = self.KEYS[name]
        key = " " if name == "Space" else name
        down = {"type": "keyDown" if text else "rawKeyDown", "key": key, "code": code,
                "windowsVirtualKeyCode": keycode}
        if text:
            down["text"] = text
        self.send("Input.dispatchKeyEvent", down)
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code,
                                             "windowsVirtualKeyCode": keycode})
