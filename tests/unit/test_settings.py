"""Settings are read once from the environment; bad combinations are refused with advice."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.settings import Settings, SettingsError


def test_defaults_use_the_embedded_graph_in_the_checkout() -> None:
    settings = Settings.from_env({})
    assert settings.neo4j_uri is None
    assert settings.data_dir.name == ".hub-data"
    assert (settings.data_dir.parent / "pyproject.toml").exists()
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.graph_config().uri is None


def test_environment_overrides(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "HUB_DATA_DIR": str(tmp_path),
            "NEO4J_URI": "neo4j://db:7687",
            "NEO4J_PASSWORD": "s3cret-value",
            "NEO4J_DATABASE": "hub",
            "HUB_PORT": "9001",
        }
    )
    config = settings.graph_config()
    assert (config.data_dir, config.uri, config.database, config.password) == (
        tmp_path,
        "neo4j://db:7687",
        "hub",
        "s3cret-value",
    )
    assert settings.port == 9001
    assert "s3cret-value" not in repr(settings) and "s3cret-value" not in repr(config)


@pytest.mark.parametrize(
    ("env", "advice"),
    [
        ({"NEO4J_URI": "neo4j://db:7687"}, "NEO4J_PASSWORD"),
        ({"HUB_PORT": "eighty"}, "HUB_PORT"),
    ],
)
def test_inconsistent_environment_is_refused(env: dict[str, str], advice: str) -> None:
    with pytest.raises(SettingsError, match=advice):
        Settings.from_env(env)


def test_agreements_dir_defaults_to_the_checkout_and_follows_the_environment(tmp_path: Path) -> None:
    default = Settings.from_env({}).agreements_dir
    assert default.name == "agreements"
    assert (default.parent / "pyproject.toml").exists()
    assert (default / "matac.yaml").is_file()
    # independent of HUB_DATA_DIR: the agreements are the partnership's documents, not runtime state
    assert Settings.from_env({"HUB_DATA_DIR": str(tmp_path)}).agreements_dir == default
    assert Settings.from_env({"HUB_AGREEMENTS_DIR": str(tmp_path / "dsa")}).agreements_dir == tmp_path / "dsa"


def test_the_audit_trail_is_sqlite_unless_a_postgresql_url_is_given() -> None:
    assert Settings.from_env({}).audit_url is None
    for url in ("postgresql://hub:pw-secret@db/audit", "postgres://hub@db:5433/audit?sslmode=require"):
        settings = Settings.from_env({"HUB_AUDIT_URL": url})
        assert settings.audit_url == url
        assert "pw-secret" not in repr(settings)
    with pytest.raises(SettingsError, match="HUB_AUDIT_URL must be a PostgreSQL URL") as refused:
        Settings.from_env({"HUB_AUDIT_URL": "mysql://hub:pw-secret@db/audit"})
    assert "pw-secret" not in str(refused.value)


def test_edge_limits_have_defaults_and_follow_the_environment() -> None:
    edge = Settings.from_env({}).edge
    assert (edge.body, edge.token_ttl, edge.auth_failures, edge.auth_concurrency) == (2 * 1024 * 1024, 3600, 10, 2)
    env = {"HUB_MAX_BODY": "1000", "HUB_MAX_TOKEN_TTL": "600", "HUB_AUTH_FAILURES": "3", "HUB_AUTH_CONCURRENCY": "1"}
    edge = Settings.from_env(env).edge
    assert (edge.body, edge.token_ttl, edge.auth_failures, edge.auth_concurrency) == (1000, 600, 3, 1)
    for key in env:
        for bad in ("0", "-1", "2MB", "1" * 13):
            with pytest.raises(SettingsError, match=key):
                Settings.from_env({key: bad})


def test_the_audit_signing_key_defaults_to_the_data_dir_and_may_live_elsewhere(tmp_path: Path) -> None:
    data = tmp_path / "data"
    default = Settings.from_env({"HUB_DATA_DIR": str(data)})
    assert default.audit_key_path == data / "secrets" / "audit-signing.key"
    assert default.audit_key_refusal() is None  # development: the default is fine
    moved = Settings.from_env({"HUB_DATA_DIR": str(data), "HUB_AUDIT_SIGNING_KEY": str(tmp_path / "keys" / "a.key")})
    assert moved.audit_key_path == tmp_path / "keys" / "a.key"


@pytest.mark.parametrize("key", ["{data}/secrets/audit-signing.key", "{data}/elsewhere.key", "{data}/../data/k.key"])
def test_production_refuses_a_signing_key_inside_the_data_dir(tmp_path: Path, key: str) -> None:
    data = tmp_path / "data"
    env = {"HUB_DATA_DIR": str(data), "HUB_MODE": "production"}
    if "secrets" not in key:
        env["HUB_AUDIT_SIGNING_KEY"] = key.format(data=data)
    refusal = Settings.from_env(env).audit_key_refusal()
    assert refusal is not None and refusal.startswith("HUB_AUDIT_SIGNING_KEY") and "\n" not in refusal
    outside = Settings.from_env({**env, "HUB_AUDIT_SIGNING_KEY": str(tmp_path / "keys" / "audit.key")})
    assert outside.audit_key_refusal() is None


def test_production_sees_through_a_symlink_into_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "secrets").mkdir(parents=True)
    (tmp_path / "link").symlink_to(data / "secrets")
    env = {"HUB_DATA_DIR": str(data), "HUB_MODE": "production", "HUB_AUDIT_SIGNING_KEY": str(tmp_path / "link" / "k")}
    assert Settings.from_env(env).audit_key_refusal() is not None


def test_the_witness_interval_is_seconds_from_0_to_an_hour(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert Settings.from_env({"HUB_DATA_DIR": data}).audit_witness_interval == 1.0
    quarter = Settings.from_env({"HUB_DATA_DIR": data, "HUB_AUDIT_WITNESS_INTERVAL": "0.25"})
    assert quarter.audit_witness_interval == 0.25
    for bad in ("-1", "soon", "nan", "7200"):
        with pytest.raises(SettingsError, match="HUB_AUDIT_WITNESS_INTERVAL must be a number of seconds"):
            Settings.from_env({"HUB_DATA_DIR": data, "HUB_AUDIT_WITNESS_INTERVAL": bad})


def test_the_witness_is_a_directory_outside_the_data_dir_or_an_http_url(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert Settings.from_env({"HUB_DATA_DIR": str(data)}).audit_witness is None
    outside = Settings.from_env({"HUB_DATA_DIR": str(data), "HUB_AUDIT_WITNESS": str(tmp_path / "auditor")})
    assert outside.audit_witness == str(tmp_path / "auditor")
    url = "https://auditor.example/heads"
    assert Settings.from_env({"HUB_DATA_DIR": str(data), "HUB_AUDIT_WITNESS": url}).audit_witness == url
    with pytest.raises(SettingsError, match="HUB_AUDIT_WITNESS must be outside HUB_DATA_DIR"):
        Settings.from_env({"HUB_DATA_DIR": str(data), "HUB_AUDIT_WITNESS": str(data / "witness")})
    with pytest.raises(SettingsError, match="HUB_AUDIT_WITNESS must be a directory or an http"):
        Settings.from_env({"HUB_DATA_DIR": str(data), "HUB_AUDIT_WITNESS": "ftp://auditor.example/heads"})
