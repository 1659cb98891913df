"""The deployment artefacts in ``infra/``, checked by the tools that read them, offline.

hadolint (the Dockerfiles), check-jsonschema with the Compose Specification (``compose.yaml``), kubernetes-validate
``--strict`` (the manifests), yamllint (all YAML) and shellcheck (the image's entrypoint), the same commands as
``make infra``. Each tool is also shown a broken file it must refuse, so a tool that checked nothing could not pass.
And the variables the compose file and the manifests give the hub are ones it reads, and parse as a production
configuration: the manifests cannot drift from ``hub/settings.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from hub.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
K8S = INFRA / "k8s"
DOCKERFILES = [INFRA / "hub" / "Dockerfile", INFRA / "gateway" / "Dockerfile"]
ENTRYPOINT = INFRA / "hub" / "entrypoint.sh"
# the oldest Kubernetes minor still supported upstream (late 2026): what validates here runs on every supported one
KUBERNETES_VERSION = "1.35.0"
BIN = Path(sys.executable).parent  # the tools come with the dev extra, into the same environment as pytest

# a variable set for the hub but read by neither the hub nor the entrypoint: who reads it
READ_ELSEWHERE = {
    "PGPASSWORD": "libpq (the PostgreSQL client library under psycopg)",
    "FORWARDED_ALLOW_IPS": "uvicorn (whose X-Forwarded-For it trusts)",
}


def manifests() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def yaml_files() -> list[Path]:
    return [*sorted(p for p in INFRA.rglob("*.y*ml") if "node_modules" not in p.parts), INFRA / ".yamllint"]


# the command each tool runs, before the files it checks (as make infra runs them)
TOOLS: dict[str, list[str | Path]] = {
    "hadolint": [BIN / "hadolint"],
    "compose": [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec"],
    "kubernetes": [BIN / "kubernetes-validate", "--strict", "-k", KUBERNETES_VERSION],
    "yamllint": [BIN / "yamllint", "-c", INFRA / ".yamllint", "--strict"],
    "shellcheck": [BIN / "shellcheck"],
}


def checked_files() -> dict[str, list[Path]]:
    return {
        "hadolint": DOCKERFILES,
        "compose": [INFRA / "compose.yaml"],
        "kubernetes": manifests(),
        "yamllint": yaml_files(),
        "shellcheck": [ENTRYPOINT],
    }


BROKEN = {  # one mistake each tool exists to catch
    "hadolint": ("Dockerfile", "FROM python:latest\nRUN pip install flask\n"),
    "compose": (
        "compose.yaml",
        "services:\n  hub:\n    image: da-hub\n    depends_on:\n      neo4j:\n        condition: when_ready\n",
    ),
    "kubernetes": (  # a misspelt field: only --strict refuses it
        "deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hub\nspec:\n  selector:\n"
        "    matchLabels:\n      app: hub\n  template:\n    metadata:\n      labels:\n        app: hub\n"
        "    spec:\n      containers:\n        - name: hub\n          image: da-hub\n"
        "          securityContex:\n            runAsNonRoot: true\n",
    ),
    "yamllint": ("config.yaml", "image: da-hub\nimage: da-hub-gateway\n"),
    "shellcheck": ("entrypoint.sh", '#!/bin/sh\nexport PASSWORD=$(cat $PASSWORD_FILE)\nexec "$@"\n'),
}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every tool on the real files and on its broken one, run at once (each is a separate process)."""
    broken = tmp_path_factory.mktemp("broken")
    for name, text in BROKEN.values():
        (broken / name).write_text(text, encoding="utf-8")
    jobs = {tool: [*TOOLS[tool], *files] for tool, files in checked_files().items()}
    jobs |= {f"broken {tool}": [*TOOLS[tool], broken / name] for tool, (name, _) in BROKEN.items()}
    env = {**os.environ, "NO_COLOR": "1"}

    def run(argv: list[str | Path]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(map(str, argv)), capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)

    missing = sorted({str(argv[0]) for argv in jobs.values() if not Path(argv[0]).exists()})
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: install the dev extra (make venv)")
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {name: pool.submit(run, argv) for name, argv in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("tool", sorted(BROKEN))
def test_infra_passes_its_validator(verdicts: dict[str, subprocess.CompletedProcess[str]], tool: str) -> None:
    result = verdicts[tool]
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("tool", sorted(BROKEN))
def test_each_validator_refuses_a_broken_file(verdicts: dict[str, subprocess.CompletedProcess[str]], tool: str) -> None:
    result = verdicts[f"broken {tool}"]
    assert result.returncode != 0, f"{tool} accepted {BROKEN[tool][0]}:\n{result.stdout}{result.stderr}"


def test_kubernetes_validate_read_every_manifest(verdicts: dict[str, subprocess.CompletedProcess[str]]) -> None:
    # an unknown kind is only a warning: every resource must have been checked against a schema
    out = verdicts["kubernetes"].stdout + verdicts["kubernetes"].stderr
    checked = re.findall(r"passed for resource (\S+) against version", out)
    documents = [d for p in manifests() for d in yaml.safe_load_all(p.read_text(encoding="utf-8")) if d]
    assert len(checked) == len(documents), out
    assert "WARN" not in out, out


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert sorted(kustomization["resources"]) == [p.name for p in manifests()]


# --- the manifests and the code agree on the hub's environment


def _compose_hub() -> dict:
    return yaml.safe_load((INFRA / "compose.yaml").read_text(encoding="utf-8"))["services"]["hub"]


def _k8s_documents() -> list[dict]:
    return [d for p in manifests() for d in yaml.safe_load_all(p.read_text(encoding="utf-8")) if d]


def _k8s_hub_env() -> dict[str, str]:
    """The hub container's environment as Kubernetes builds it: its ConfigMap, then its env (secrets: '<secret>')."""
    docs = {(d["kind"], d["metadata"]["name"]): d for d in _k8s_documents()}
    container = docs["Deployment", "hub"]["spec"]["template"]["spec"]["containers"][0]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(docs["ConfigMap", source["configMapRef"]["name"]]["data"])
    for item in container.get("env", []):
        env[item["name"]] = item.get("value", "<secret>")
    return env


def _compose_hub_env() -> dict[str, str]:
    """The compose hub's environment after the image's entrypoint turned NAME_FILE into NAME."""
    env = {k: str(v) for k, v in _compose_hub()["environment"].items()}
    for name in [n for n in env if n.endswith("_FILE")]:
        env[name.removesuffix("_FILE")] = "<secret>"
        del env[name]
    return env


def _read_by_the_hub() -> set[str]:
    """Variable names the settings, the graph store and the telemetry set-up read, as string literals in the code."""
    sources = [ROOT / "hub" / "settings.py", ROOT / "graph" / "store.py", ROOT / "hub" / "telemetry.py"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    return set(re.findall(r"[\"']((?:HUB|NEO4J|OTEL)_[A-Z0-9_]+)[\"']", text))


def _read_by_the_entrypoint() -> set[str]:
    return set(re.findall(r"\$\{([A-Z0-9_]+)_FILE:-\}", ENTRYPOINT.read_text(encoding="utf-8")))


@pytest.mark.parametrize("where", ["compose", "kubernetes"])
def test_every_variable_given_to_the_hub_is_read(where: str) -> None:
    env = _compose_hub_env() if where == "compose" else _k8s_hub_env()
    unread = set(env) - _read_by_the_hub() - set(READ_ELSEWHERE)
    assert not unread, f"{where} sets {sorted(unread)} for the hub, which nothing reads: renamed in hub/settings.py?"


def test_the_entrypoint_reads_every_secret_file_compose_gives() -> None:
    files = {n.removesuffix("_FILE") for n in _compose_hub()["environment"] if n.endswith("_FILE")}
    assert files and files <= _read_by_the_entrypoint()


def test_the_images_defaults_are_read() -> None:
    dockerfile = (INFRA / "hub" / "Dockerfile").read_text(encoding="utf-8")
    named = set(re.findall(r"\b((?:HUB|NEO4J|OTEL)_[A-Z0-9_]+)=", dockerfile))
    assert {"HUB_MODE", "HUB_HOST", "HUB_DATA_DIR"} <= named
    assert named <= _read_by_the_hub()


@pytest.mark.parametrize("where", ["compose", "kubernetes"])
def test_the_deployed_environment_is_a_production_configuration(where: str) -> None:
    """The real settings parser on the deployed environment: production, Neo4j, PostgreSQL, the key kept apart."""
    env = _compose_hub_env() if where == "compose" else _k8s_hub_env()
    env.setdefault("HUB_DATA_DIR", "/var/lib/hub")  # the image's default
    settings = Settings.from_env(env)
    assert settings.production
    assert settings.neo4j_uri and settings.neo4j_uri.startswith(("bolt://", "neo4j://"))
    assert settings.neo4j_password == "<secret>"
    assert settings.audit_url and settings.audit_url.startswith("postgresql://")
    assert "@" in settings.audit_url and ":" not in settings.audit_url.split("@")[0].removeprefix("postgresql://")
    assert settings.audit_key_refusal() is None, settings.audit_key_refusal()
    assert env.get("PGPASSWORD") == "<secret>"  # the trail's password arrives, out of the URL


def test_the_entrypoint_turns_secret_files_into_variables(tmp_path: Path) -> None:
    (tmp_path / "graph").write_text("graph-pass\n", encoding="utf-8")
    (tmp_path / "audit").write_text("audit-pass", encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "NEO4J_PASSWORD_FILE": str(tmp_path / "graph")}
    env["PGPASSWORD_FILE"] = str(tmp_path / "audit")
    script = 'printf "%s|%s|%s" "$NEO4J_PASSWORD" "$PGPASSWORD" "${NEO4J_PASSWORD_FILE-unset}"'
    result = subprocess.run(["sh", str(ENTRYPOINT), "sh", "-c", script], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "graph-pass|audit-pass|unset"
    missing = subprocess.run(
        ["sh", str(ENTRYPOINT), "true"],
        env={**env, "NEO4J_PASSWORD_FILE": str(tmp_path / "absent")},
        text=True,
        capture_output=True,
    )
    assert missing.returncode != 0  # a secret that is not there stops the container, rather than start without it


# --- the build context holds what the image copies, and none of the local state


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last pattern matching the path or one of its parents decides (``!`` keeps)."""
    parts = path.split("/")
    ignored = False
    for raw in patterns:
        keep = raw.startswith("!")
        pattern = raw.removeprefix("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*")
        if any(re.fullmatch(regex, "/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            ignored = not keep
    return ignored


def test_the_build_context_has_what_the_image_copies_and_no_local_state() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    dockerfile = (INFRA / "hub" / "Dockerfile").read_text(encoding="utf-8")
    copied = [
        source
        for line in dockerfile.splitlines()
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
    ]
    assert "infra/hub/entrypoint.sh" in copied and "ui/package-lock.json" in copied
    for source in copied:
        path = source.rstrip("/")
        assert (ROOT / path).exists(), f"the Dockerfile copies {source}, which the repository does not have"
        sample = f"{path}/x.py" if source.endswith("/") else path
        assert not _ignored(sample, patterns), f".dockerignore leaves {source} out of the build context"
    for local in [".hub-data/secrets/audit-signing.key", ".venv/bin/python", "infra/secrets/neo4j-password",
                  "ui/node_modules/vite/package.json", "ui/dist/index.html", "hub/__pycache__/app.cpython-312.pyc",
                  ".git/config", "tests/conftest.py"]:  # fmt: skip
        assert _ignored(local, patterns), f"{local} would be sent to the image build"
