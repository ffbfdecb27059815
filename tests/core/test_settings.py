import pytest

from core.errors import ConfigError
from core.settings import DEFAULT_SCORING, Settings, load_scoring_config


def _write(tmp_path, text):
    path = tmp_path / "scoring.toml"
    path.write_text(text)
    return path


def test_the_packaged_configuration_loads():
    config = load_scoring_config()
    assert config["novelty"]["embedder"] == "hashing-rp"
    assert sum(config["profile"][k] for k in ("impact", "h_index", "novelty", "activity")) == pytest.approx(1.0)


@pytest.mark.parametrize("edit, message", [
    (("novelty = 0.25", "novelty = -1"), "novelty must be a non-negative number"),
    (("impact = 0.35", "impact = 0.35\nimpakt = 0.1"), "unknown key(s) impakt"),
    (("recent_years = 3", ""), "missing key(s) recent_years"),
    (('embedder = "hashing-rp"', 'embedder = "word2vec"'), "embedder must be one of"),
    (("distance_percentile = 90", "distance_percentile = 150"), "between 0 and 100"),
    (("[graph]", "[grahp]"), "section [graph] is missing"),
    (("novelty = 0.25", 'novelty = "high"'), "must be a non-negative number"),
])
def test_a_bad_configuration_is_one_clear_error(tmp_path, edit, message):
    text = DEFAULT_SCORING.read_text()
    assert edit[0] in text
    with pytest.raises(ConfigError) as info:
        load_scoring_config(_write(tmp_path, text.replace(edit[0], edit[1], 1)))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_unreadable_configurations(tmp_path):
    with pytest.raises(ConfigError, match="no scoring configuration"):
        load_scoring_config(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="can't read"):
        load_scoring_config(_write(tmp_path, "[novelty\n"))
    text = DEFAULT_SCORING.read_text()
    for k in ("impact = 0.35", "h_index = 0.25", "novelty = 0.25", "activity = 0.15"):
        text = text.replace(k, k.split("=")[0] + "= 0", 1)
    with pytest.raises(ConfigError, match="weights are all zero"):
        load_scoring_config(_write(tmp_path, text))


@pytest.mark.parametrize("name, value, said", [
    ("SCHOLARFLOW_MAX_ATTEMPTS", "abc", "SCHOLARFLOW_MAX_ATTEMPTS is invalid (Input should be a valid integer"),
    ("OPENALEX_BASE_URL", "ftp://mirror.example", "OPENALEX_BASE_URL is invalid (must be an http(s) URL"),
    ("ARXIV_API_URL", "http://127.0.0.1:8080/api/query?x=1", "ARXIV_API_URL is invalid"),
])
def test_a_bad_environment_variable_is_one_config_error_naming_it(monkeypatch, name, value, said):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        Settings()
    assert str(info.value).startswith(said) and "\n" not in str(info.value)


def test_the_source_addresses_default_to_the_real_services_and_can_point_elsewhere(monkeypatch):
    assert (Settings().openalex_base_url, Settings().arxiv_api_url) == (
        "https://api.openalex.org", "https://export.arxiv.org/api/query")
    monkeypatch.setenv("OPENALEX_BASE_URL", "http://127.0.0.1:8080/openalex/")
    assert Settings().openalex_base_url == "http://127.0.0.1:8080/openalex"
