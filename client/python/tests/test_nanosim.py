"""The Python helper against the built program (NANOSIM_BINARY): the fixture, clock, journal, scenarios, verify."""

import json
import urllib.error
import urllib.request

import pytest

from nanosim import Nanosim, NanosimError, serve_arguments

KEY = "sk-python-helper-0001"


def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def submit(sim):
    return call("POST", sim.url("toapis") + "/v1/images/generations",
                {"model": "gemini-3.1-flash-image-preview", "prompt": "A red cube"})


def test_serve_arguments_map_the_options_onto_flags():
    assert serve_arguments(providers=["gemini"], seed=3, args=["--workers", "2"]) == [
        "serve", "--port", "0", "--clock", "manual", "--quiet", "--provider", "gemini", "--seed", "3", "--workers", "2"]


def test_the_fixture_serves_the_chosen_providers_with_the_manual_clock(nanosim):
    assert nanosim.base_url.startswith("http://127.0.0.1:")
    assert nanosim.providers() == ["crazyrouter", "toapis"]
    assert nanosim.health()["seed"] == 7
    assert nanosim.now() == 0


def test_a_task_completes_once_the_clock_moves_and_the_journal_masks_the_key(nanosim):
    status, created = submit(nanosim)
    assert status == 200
    nanosim.advance(10 * 60 * 1000)
    status, polled = call("GET", nanosim.url("toapis") + "/v1/images/generations/" + created["id"])
    assert polled["status"] == "completed"
    entries = nanosim.journal()
    assert [entry["status"] for entry in entries] == [200, 200]
    assert entries[0]["request_headers"]["Authorization"] == "Bearer sk-…0001"
    assert len(nanosim.jobs()) == 1


def test_each_test_starts_from_a_reset_simulator(nanosim):
    assert nanosim.journal() == []
    assert nanosim.now() == 0


def test_a_synchronous_call_answers_at_once_on_the_manual_clock(nanosim):
    status, body = call("POST", nanosim.url("crazyrouter") + "/v1/images/generations",
                        {"model": "nano-banana-2", "prompt": "A lighthouse"})
    assert status == 200
    assert body["data"][0]["url"].startswith(nanosim.base_url)
    assert nanosim.now() > 0  # the call moved the clock to its job's end


def test_a_catalog_scenario_fires_until_removed(nanosim):
    nanosim.add_scenario("key-revoked")
    assert [s["name"] for s in nanosim.scenarios()] == ["key-revoked"]
    assert [submit(nanosim)[0] for _ in range(4)] == [200, 200, 200, 401]
    nanosim.remove_scenario("key-revoked")
    assert submit(nanosim)[0] == 200


def test_verify_and_coverage(nanosim):
    submit(nanosim)
    check = nanosim.verify("no_duplicate_submits")
    assert check["passed"] is True and check["failures"] == []
    assert "failed" in nanosim.coverage()["states_missing"]


def test_a_refused_admin_request_raises_with_the_answer(nanosim):
    with pytest.raises(NanosimError, match="404"):
        nanosim.admin("GET", "/jobs/nope")


def test_a_bad_flag_is_reported_with_the_program_message():
    with pytest.raises(NanosimError, match="--workers: expected an integer"):
        Nanosim(args=["--workers", "0"]).start()
