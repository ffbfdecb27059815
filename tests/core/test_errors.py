from core.errors import SourceRejectedError, redact, redact_bytes, register_secret


def test_a_registered_secret_is_removed_wherever_it_appears_not_only_after_api_key():
    register_secret("sk-test-redact-9876")
    echoed = "forbidden; key=sk-test-redact-9876; see docs (sk-test-redact-9876) api_key=other&x=1"
    assert redact(echoed) == "forbidden; key=***; see docs (***) api_key=***&x=1"
    assert redact_bytes(b'{"key": "sk-test-redact-9876"}') == b'{"key": "***"}'
    assert "sk-test-redact-9876" not in str(SourceRejectedError("http://x/?q=sk-test-redact-9876", 1, 403, echoed))
    register_secret("abc")  # too short to be a key: blanking it would garble ordinary text
    assert redact("abc def") == "abc def"
