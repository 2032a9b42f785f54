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
            if line.strip().startswith("export AIRFLOW_CONN_GA4_DEFAULT="):
                break
        output = "\n".join(lines)
        assert "Clock: 2026-09-01T00:00:00.000Z" in output
        assert "POST /crm/v3/objects/{contacts|deals}/search" in output
        assert "POST /v1beta/properties/{propertyId}:runReport" in output
        assert "Live.getLastVisitsDetails" in output
        connections = {
            line.split("=", 1)[0].removeprefix("export "): json.loads(line.split("=", 1)[1].strip("'"))
            for line in lines
            if line.startswith("export AIRFLOW_CONN_")
        }
        connection = connections["AIRFLOW_CONN_HUBSPOT_DEFAULT"]
        assert connection["conn_type"] == "http"
        base_url = next(line.split()[-1] for line in lines if line.startswith("Serving on"))
        assert all(c["host"] == base_url for c in connections.values())

        answer = requests.post(
            f"{base_url}/crm/v3/objects/contacts/search",
            json={"limit": 1},
            headers={"Authorization": f"Bearer {connection['password']}"},
            timeout=10,
        )
        assert answer.status_code == 200
        assert answer.json()["total"] > 0
        assert all(r["createdAt"] < "2026-09-01" for r in answer.json()["results"])

        matomo = connections["AIRFLOW_CONN_MATOMO_DEFAULT"]
        visits = requests.post(
            f"{base_url}/index.php",
            params={"module": "API", "method": "Live.getLastVisitsDetails", "format": "JSON", "period": "day"},
            data={"idSite": matomo["extra"]["site_id"], "date": "yesterday", "token_auth": matomo["password"]},
            timeout=10,
        )
        assert visits.status_code == 200 and visits.json()
        assert all(v["serverDate"] == "2026-08-31" for v in visits.json())
        ga4 = connections["AIRFLOW_CONN_GA4_DEFAULT"]
        report = requests.post(
            f"{base_url}/v1beta/properties/{ga4['extra']['property_id']}:runReport",
            json={"dateRanges": [{"startDate": "7daysAgo", "endDate": "today"}], "metrics": [{"name": "sessions"}]},
            headers={"Authorization": f"Bearer {ga4['password']}"},
            timeout=10,
        )
        assert report.status_code == 200 and int(report.json()["rows"][0]["metricValues"][0]["value"]) > 0
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_help_explains_each_command():
    runner = CliRunner()
    for args in (["--help"], ["serve", "--help"], ["truth", "--help"]):
        result = runner.invoke(sandbox, args)
        assert result.exit_code == 0
    assert "--now" in runner.invoke(sandbox, ["serve", "--help"]).output
    truth_help = runner.invoke(sandbox, ["truth", "--help"]).output
    assert "buyers.csv" in truth_help and "channel_contributions.csv" in truth_help and "--workers" in truth_help
    assert runner.invoke(sandbox, ["serve", "--now", "someday"]).exit_code == 2
