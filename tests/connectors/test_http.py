import gzip
import pickle
import re

import pytest
import requests
import responses

from core.errors import RateLimitedError, SourceDownError, SourceRejectedError, TransientFetchError

URL = "https://api.openalex.org/works?filter=author.id:A1"


@responses.activate
def test_429_with_retry_after_and_html_body_is_retried_after_the_asked_wait(http, sleeps):
    responses.get(URL, status=429, body="<html><body>Too Many Requests</body></html>",
                  headers={"Retry-After": "7", "Content-Type": "text/html"})
    responses.get(URL, json={"ok": True})
    landed = http.get(URL, source="openalex")
    assert landed.status == 200 and landed.body == b'{"ok": true}'
    assert len(sleeps) == 1 and sleeps[0] >= 7
    # Both bodies were landed raw, the HTML one too.
    assert [r["status"] for r in http.landing.index_rows()] == [429, 200]


@responses.activate
def test_openalex_json_retry_after_in_body_is_honoured(http, sleeps):
    responses.get(URL, status=429, json={"error": "Rate limit exceeded", "retryAfter": 12})
    responses.get(URL, json={"ok": True})
    http.get(URL, source="openalex")
    assert sleeps[0] >= 12


@responses.activate
def test_503_then_success(http, sleeps):
    responses.get(URL, status=503, body="busy")
    responses.get(URL, status=503, body="busy")
    responses.get(URL, json={"ok": True})
    assert http.get(URL, source="openalex").status == 200
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 1.5  # exponential backoff
    assert http.requests_made == 3


@responses.activate
def test_timeout_then_success(http, sleeps):
    responses.get(URL, body=requests.Timeout("read timed out"))
    responses.get(URL, json={"ok": True})
    assert http.get(URL, source="openalex").status == 200
    assert len(sleeps) == 1


@responses.activate
def test_exhausted_retries_raise_an_error_naming_url_attempt_status_without_the_key(http, sleeps):
    for _ in range(4):
        responses.get(re.compile(r"https://api\.openalex\.org/works.*"), status=500, body="oops")
    with pytest.raises(TransientFetchError) as info:
        http.get(URL, source="openalex", secret_params={"api_key": "SECRET123"})
    err = info.value
    assert (err.attempt, err.status) == (4, 500)
    assert err.url == URL and "SECRET123" not in str(err)
    assert "attempt 4" in str(err) and "HTTP 500" in str(err)
    # Survives pickling (Prefect serialises failures) with its fields.
    again = pickle.loads(pickle.dumps(err))
    assert (again.url, again.attempt, again.status) == (err.url, 4, 500)
    # The key went on the wire but never into the landing.
    assert "SECRET123" in responses.calls[0].request.url
    assert all("SECRET123" not in r["url"] for r in http.landing.index_rows())


@responses.activate
def test_a_host_whose_retries_are_spent_is_skipped_for_the_rest_of_the_run(http, sleeps):
    responses.get(re.compile(r"https://api\.openalex\.org/.*"), body=requests.ConnectionError("down"))
    responses.get("https://export.arxiv.org/api/query", body="<feed/>")
    with pytest.raises(TransientFetchError):
        http.get(URL, source="openalex")
    assert http.requests_made == 4 and len(sleeps) == 3
    with pytest.raises(SourceDownError) as info:
        http.get("https://api.openalex.org/works?filter=author.id:A2", source="openalex")
    assert "skipped: api.openalex.org is down in this run" in str(info.value)
    assert "A2" in info.value.url and isinstance(pickle.loads(pickle.dumps(info.value)), SourceDownError)
    assert http.requests_made == 4 and len(sleeps) == 3  # not asked again, no more waiting
    # Another host is not affected.
    assert http.get("https://export.arxiv.org/api/query", source="arxiv").status == 200


@responses.activate
def test_connection_error_message_does_not_leak_the_key(http):
    for _ in range(4):
        responses.get(re.compile(r"https://api\.openalex\.org/works.*"),
                      body=requests.ConnectionError(f"failed for {URL}&api_key=SECRET123"))
    with pytest.raises(TransientFetchError) as info:
        http.get(URL, source="openalex", secret_params={"api_key": "SECRET123"})
    assert "SECRET123" not in str(info.value) and info.value.status is None


@responses.activate
def test_spent_budget_retry_after_beyond_cap_fails_now(http, sleeps):
    responses.get(URL, status=429, json={"error": "Rate limit exceeded", "retryAfter": 10422})
    with pytest.raises(RateLimitedError, match="10422"):
        http.get(URL, source="openalex")
    assert sleeps == []


@responses.activate
def test_4xx_is_not_retried(http, sleeps):
    responses.get(URL, status=400, json={"error": "Invalid query parameters error."})
    with pytest.raises(SourceRejectedError) as info:
        http.get(URL, source="openalex")
    assert info.value.status == 400 and sleeps == [] and http.requests_made == 1


@responses.activate
def test_bodies_land_gzip_compressed_and_content_addressed(http, tmp_path):
    responses.get(URL, body=b"same bytes")
    responses.get(URL + "&page=2", body=b"same bytes")
    a = http.get(URL, source="openalex")
    b = http.get(URL + "&page=2", source="openalex")
    assert a.path == b.path and a.response_id != b.response_id
    with gzip.open(tmp_path / "raw" / a.path) as fh:
        assert fh.read() == b"same bytes"
    assert http.landing.index_path.read_text().count("\n") == 2


def test_min_interval_spaces_requests_per_host(http, sleeps):
    clock = iter([0.0, 1.0, 1.0, 5.0])
    http.clock = lambda: next(clock)
    http.min_interval = {"export.arxiv.org": 3.0}
    with responses.RequestsMock() as rsps:
        rsps.get("https://export.arxiv.org/api/query", body=b"x")
        http.get("https://export.arxiv.org/api/query", source="arxiv")
        http.get("https://export.arxiv.org/api/query", source="arxiv")
    assert sleeps == [2.0]
