"""``sandbox serve`` as a person runs it: a real process, a real port, curl-able endpoints."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import requests
from click.testing import CliRunner

from sandbox.cli import sandbox


def test_serve_prints_what_to_use_and_serves_it():
    command = [
        sys.executable,
        "-m",
        "sandbox",
        "serve",
        "--buyers",
        "300",
        "--port",
        "0",
        "--now",
        "2026-09-01T00:00:00Z",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines, deadline = [], time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, f"serve exited early: {process.stderr.read()}"
            lines.append(line.strip())
            if line.strip().startswith("export AIRFLOW_CONN_HUBSPOT_DEFAULT="):
                break
        output = "\n".join(lines)
        assert "Clock: 2026-09-01T00:00:00.000Z" in output
        assert "POST /crm/v3/objects/{contacts|deals}/search" in output
        connection = json.loads(lines[-1].split("=", 1)[1].strip("'"))
        assert connection["conn_type"] == "http"
        base_url = next(line.split()[-1] for line in lines if line.startswith("Serving on"))
        assert connection["host"] == base_url

        answer = requests.post(
            f"{base_url}/crm/v3/objects/contacts/search",
            json={"limit": 1},
            headers={"Authorization": f"Bearer {connection['password']}"},
            timeout=10,
        )
        assert answer.status_code == 200
        assert answer.json()["total"] > 0
        assert all(r["createdAt"] < "2026-09-01" for r in answer.json()["results"])
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_help_explains_each_command():
    runner = CliRunner()
    for args in (["--help"], ["serve", "--help"], ["truth", "--help"]):
        result = runner.invoke(sandbox, args)
        assert result.exit_code == 0
    assert "--now" in runner.invoke(sandbox, ["serve", "--help"]).output
    assert "buyers.csv" in runner.invoke(sandbox, ["truth", "--help"]).output
    assert runner.invoke(sandbox, ["serve", "--now", "someday"]).exit_code == 2
