from core.errors import SourceRejectedError, redact, redact_bytes, register_secret


def test_a_registered_secret_is_removed_wherever_it_appears_not_only_after_api_key():
    register_secret("sk-test-redact-9876")
    echoed = "forbidden; key=sk-test-redact-9876; see docs (sk-test-redact-9876) api_key=other&x=1"
    assert redact(echoed) == "forbidden; key=***; see docs (***) api_key=***&x=1"
    assert redact_bytes(b'{"key": "sk-test-redact-9876"}') == b'{"key": "***"}'
    assert "sk-test-redact-9876" not in str(SourceRejectedError("http://x/?q=sk-test-redact-9876", 1, 403, echoed))
    register_secret("abc")  # too short to be a key: blanking it would garble ordinary text
    assert redact("abc def") == "abc def"


def test_a_refused_write_reads_as_one_line_naming_the_folder_and_what_to_do_and_other_failures_are_left_alone():
    import errno
    import os
    import pickle

    from core.errors import StorageError, storage_error

    full = storage_error("/srv/data", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    assert isinstance(full, StorageError) and full.exit_code == 1
    assert str(full) == ("can't write /srv/data: no space left on its device; free some space there (or point "
                         "SCHOLARFLOW_HOME at a larger disk), then run again (the published warehouse is unchanged)")
    assert pickle.loads(pickle.dumps(full)).message == full.message  # Prefect hands it back pickled
    # DuckDB reports the OS's error as text
    duck = storage_error("/srv/data", RuntimeError('IO Error: Could not write file "/srv/data/x.wal": Read-only file system'))
    assert "it is on a read-only file system; mount it writable" in str(duck)
    assert "permission denied" in str(storage_error("/srv", PermissionError(errno.EACCES, "Permission denied")))
    assert storage_error("/srv", OSError(errno.ECONNRESET, "Connection reset by peer")) is None
    assert storage_error("/srv", ValueError("not a disk")) is None
