"""`prolotrack serve --demo` on a fresh data directory comes up by itself and answers /health/."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.cli.conftest import cli_environment, free_port


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_serve_demo_comes_up_on_a_fresh_data_dir(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prolotrack.cli",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=cli_environment(tmp_path / "fresh"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status, body = None, b""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status, _, body = get(f"http://127.0.0.1:{port}/health/")
                break
            except (ConnectionError, urllib.error.URLError, TimeoutError):
                time.sleep(0.5)
        assert status == 200, f"server did not answer; exit code {process.poll()}"
        health = json.loads(body)
        assert (health["status"], health["database"]) == ("ok", "ok")
        assert health["version"]
        status, headers, _ = get(f"http://127.0.0.1:{port}/patients/")
        assert status == 302
        assert headers["Location"].startswith("/login/")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "demo-clinician" in output
    assert (tmp_path / "fresh" / "prolotrack.sqlite3").exists()


def test_serve_on_a_busy_port_exits_2(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "prolotrack.cli", "serve", "--port", str(port)],
            env=cli_environment(tmp_path / "busy"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert "in use" in result.stderr
