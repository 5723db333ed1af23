#!/usr/bin/env python3
"""Opens the Provisioner's pages in headless Chromium over the DevTools protocol and checks them.

Run by scripts/smoke_browser.sh against a running, seeded server. For every page at 1280 and
390 px: status 200, no console error or CSP violation, no horizontal page scroll, the expected
table columns; a full-page screenshot goes to --screenshots. Then the dashboard's Cockpit link
is followed, and an expired dashboard link must show the expired page.
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import websocket  # websocket-client, installed by scripts/install-deps into build/venv

WIDTHS = (1280, 390)
ALLOCATION_COLUMNS = ["vm_id", "user_id", "plan", "backend", "state", "payment", "backend_ref", "ipv4", "ipv6",
                      "ssh", "created_at", "updated_at", "cockpit"]
DASHBOARD_COLUMNS = ["Service", "Plan", "Status", "Address", "Cockpit"]
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print(f"  FAIL {what}", file=sys.stderr)


class Page:
    """One browser tab driven over its DevTools WebSocket."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method, deadline_s=20):
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(index)
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(f"no {method} within {deadline_s} s")

    def open(self, url):
        """Navigates and waits for the load event; returns the document's HTTP status."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        return self.document_status()

    def document_status(self):
        statuses = [e["params"]["response"]["status"] for e in self.events
                    if e.get("method") == "Network.responseReceived" and e["params"].get("type") == "Document"]
        return statuses[-1] if statuses else None

    def console_errors(self, expected_status=200):
        errors = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                entry = params["entry"]
                # The page's own refusal status is what the check expects, not an error.
                if entry.get("source") == "network" and f"status of {expected_status}" in entry.get("text", ""):
                    continue
                errors.append(entry.get("text", ""))
        return errors

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def viewport(self, width):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
                  mobile=width < 600)

    def screenshot(self, path):
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        with open(path, "wb") as file:
            file.write(base64.b64decode(shot["data"]))


def start_chromium(binary, work):
    profile = os.path.join(work, "chromium-profile")
    process = subprocess.Popen(
        [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--remote-debugging-port=0",
         "--remote-allow-origins=*", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "chromium.log"), "wb"))
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}; see {work}/chromium.log")
        if os.path.exists(port_file):
            lines = open(port_file).read().split()
            if len(lines) >= 1 and lines[0].isdigit():
                return process, int(lines[0])
        time.sleep(0.05)
    raise TimeoutError("chromium did not open its DevTools port within 60 s")


def new_tab(port):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
    with urllib.request.urlopen(request, timeout=10) as response:
        return Page(json.load(response)["webSocketDebuggerUrl"])


def serve_cockpit(port):
    """A loopback stand-in for a VM's Cockpit, so following the link lands on a page we know."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"<!doctype html><title>Cockpit</title><h1>Cockpit of {self.path}</h1>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def dashboard_path(user, secret, expires):
    mac = hmac.new(secret.encode(), f"dashboard\n{user}\n{expires}".encode(), hashlib.sha256).hexdigest()
    return f"/dashboard/{user}?expires={expires}&sig={mac}"


def check_page(page, url, name, shots, columns=None, expect_status=200):
    for width in WIDTHS:
        page.viewport(width)
        status = page.open(url)
        label = f"{name} at {width} px"
        print(f"  {label}: {status}")
        check(status == expect_status, f"{label}: status {status}, expected {expect_status}")
        errors = page.console_errors(expect_status)
        check(not errors, f"{label}: console errors {errors}")
        scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        check(scroll[0] <= scroll[1], f"{label}: the page scrolls sideways ({scroll[0]} > {scroll[1]} px)")
        if columns is not None:
            shown = page.evaluate("[...document.querySelectorAll('thead th')].map(t => t.textContent.trim())")
            check(shown == columns, f"{label}: columns {shown}, expected {columns}")
        check(page.evaluate("document.querySelectorAll('script').length") == 0, f"{label}: has a script")
        page.screenshot(os.path.join(shots, f"{name}-{width}.png"))


def main():
    parser = argparse.ArgumentParser()
    for option in ("chromium", "base", "work", "screenshots", "admin-secret", "dashboard-secret", "allocation",
                   "user"):
        parser.add_argument(f"--{option}", required=True)
    parser.add_argument("--cockpit-port", type=int, required=True)
    args = parser.parse_args()

    cockpit = serve_cockpit(args.cockpit_port)
    process, port = start_chromium(args.chromium, args.work)
    try:
        page = new_tab(port)
        page.call("Network.setExtraHTTPHeaders", headers={"Authorization": f"Bearer {args.admin_secret}"})
        admin_pages = [
            ("/admin/allocations", "allocations", ALLOCATION_COLUMNS),
            (f"/admin/allocations/{args.allocation}", "allocation-detail", None),
            ("/admin/pool", "pool", ["VM", "State", "Name", "Address", "Allocation", "Note"]),
            ("/admin/events", "events", ["#", "At", "Kind", "VM", "Backend", "Backend ref", "Detail"]),
            ("/admin/audit", "audit", ["#", "At", "Kind", "VM", "User", "Actor", "Request", "Detail"]),
            ("/admin/orphans", "orphans", ["Backend ref", "Tagged VM id", "Name", "First seen"]),
            ("/admin/hosts", "hosts", ["Host", "Label", "Owner", "Health", "Last report", "Agent", "Hostname",
                                       "Guests running/total", "CPU", "Memory", "Disk", "cloudflared"]),
            ("/admin/ops", "ops", ["Op id", "Op", "Target", "Class", "State", "Requested by", "Signer", "Outcome",
                                   "Created", "Expires"]),
        ]
        for path, name, columns in admin_pages:
            check_page(page, args.base + path, name, args.screenshots, columns)
        page.viewport(1280)
        page.open(args.base + "/admin/allocations")
        states = page.evaluate("[...document.querySelectorAll('tbody .badge')].map(b => b.title)")
        for state in ("provisioned", "degraded", "failed", "released"):
            check(state in states, f"allocations: no {state} badge (badges: {states})")
        page.open(args.base + "/admin/pool")
        check("quarantined" in page.evaluate("[...document.querySelectorAll('tbody .badge')].map(b => b.title)"),
              "pool: no quarantined VM")
        page.open(args.base + "/admin/ops")
        check("pending_signature" in page.evaluate("[...document.querySelectorAll('tbody .badge')].map(b => b.title)"),
              "ops: no op waiting for a signature")
        navigation = page.evaluate("[...document.querySelectorAll('nav a')].map(a => a.textContent.trim())")
        for entry in ("Allocations", "Pool", "Events", "Audit", "Orphans", "Hosts", "Ops"):
            check(entry in navigation, f"navigation bar lacks {entry}: {navigation}")
        page.open(args.base + "/admin/orphans")
        check(page.evaluate("document.querySelectorAll('tbody code').length") > 0, "orphans: none listed")

        # The customer's pages: no admin secret.
        page.call("Network.setExtraHTTPHeaders", headers={})
        link = dashboard_path(args.user, args.dashboard_secret, int(time.time()) + 3600)
        check_page(page, args.base + link, "dashboard", args.screenshots, DASHBOARD_COLUMNS)
        text = page.evaluate("document.body.innerText")
        for internal in ("provisioned", "degraded", "launch_proof", "payment_required", "operator"):
            check(internal not in text, f"dashboard: shows the internal word '{internal}'")
        check("Your machine is ready." in text, "dashboard: no customer message")
        href = page.evaluate("[...document.querySelectorAll('a')].filter(a => a.textContent.includes('Open'))"
                             ".map(a => a.href)")
        expected = f"http://127.0.0.1:{args.cockpit_port}/cockpit/vm-a"
        check(href == [expected], f"dashboard: Cockpit links {href}, expected [{expected}]")
        if href:
            page.events.clear()
            page.evaluate("[...document.querySelectorAll('a')].find(a => a.textContent.includes('Open')).click()")
            page.wait_for("Page.loadEventFired")
            check(page.evaluate("location.href") == expected, "dashboard: the Cockpit link did not open its URL")
            check("Cockpit of /cockpit/vm-a" in page.evaluate("document.body.innerText"),
                  "dashboard: the Cockpit page did not load")

        expired = dashboard_path(args.user, args.dashboard_secret, int(time.time()) - 60)
        check_page(page, args.base + expired, "dashboard-expired", args.screenshots, expect_status=403)
        check("This link has expired" in page.evaluate("document.body.innerText"),
              "expired dashboard link: no expired page")
        page.ws.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
        cockpit.shutdown()
    if failures:
        print(f"{len(failures)} browser check(s) failed", file=sys.stderr)
        return 1
    print(f"browser checks passed; screenshots in {args.screenshots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
