"""The deployment files say what README.md promises: a hardened systemd unit keeping the database
in its state directory, a non-root container with the database on a volume, and an environment
file naming only settings that exist. No container engine runs in the test machine, so the
container file is checked by reading its instructions, not by building it."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

from bot import config
from bot.cli import build_parser as _parser

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def unit(name: str) -> dict[str, list[str]]:
    """key -> every value it is given (systemd allows repeated keys), all sections together."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_service_is_hardened_and_keeps_the_database_in_its_state_directory() -> None:
    service = unit("ykien.service")
    assert service["DynamicUser"] == ["yes"] and service["User"] == ["ykien"]
    assert "ykien" in service["StateDirectory"][0].split()
    assert "YKIEN_DB=/var/lib/ykien/ykien.db" in service["Environment"]
    assert service["Restart"] == ["on-failure"]
    for key, value in {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "NoNewPrivileges": "yes",
        "CapabilityBoundingSet": "",
        "KillSignal": "SIGINT",
    }.items():
        assert service[key] == [value], key
    command = shlex.split(service["ExecStart"][0])
    assert command[0].endswith("/ykien")
    assert _parser().parse_args(command[1:]).command == "run"


def test_backup_unit_writes_into_the_same_state_directory() -> None:
    backup = unit("ykien-backup.service")
    assert backup["User"] == ["ykien"] and backup["DynamicUser"] == ["yes"]
    assert "ykien/backups" in backup["StateDirectory"][0].split()
    command = re.search(r"ykien backup \"(/var/lib/ykien/backups/[^\"]+)\"", backup["ExecStart"][0])
    assert command is not None
    assert _parser().parse_args(["backup", command[1]]).command == "backup"
    assert unit("ykien-backup.timer")["OnCalendar"]


def test_environment_example_names_only_real_settings() -> None:
    names = set(re.findall(r"YKIEN_[A-Z_]+", Path(config.__file__).read_text(encoding="utf-8")))
    example = (DEPLOY / "ykien.env.example").read_text(encoding="utf-8")
    used = set(re.findall(r"^#? ?(YKIEN_[A-Z_]+)=", example, flags=re.MULTILINE))
    assert {"YKIEN_TOKEN", "YKIEN_PSEUDONYM_KEY", "YKIEN_WEBHOOK_SECRET"} <= used
    assert used <= names, used - names


def instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_container_runs_as_non_root_with_the_database_on_a_volume() -> None:
    steps = instructions()
    by_word: dict[str, list[str]] = {}
    for word, rest in steps:
        by_word.setdefault(word, []).append(rest)
    base = by_word["FROM"][0]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    minimum = project["requires-python"].removeprefix(">=")
    assert re.search(r"python:(\d+\.\d+)", base)[1] >= minimum
    user = by_word["USER"][-1].split(":")[0]
    assert user not in ("0", "root")
    assert [w for w, _ in steps].index("USER") > [w for w, _ in steps].index("RUN")
    env = " ".join(by_word["ENV"])
    db = re.search(r"YKIEN_DB=(\S+)", env)[1]
    volumes = json.loads(by_word["VOLUME"][0])
    assert any(db.startswith(v.rstrip("/") + "/") for v in volumes)
    assert json.loads(by_word["ENTRYPOINT"][0]) == ["ykien"]
    assert json.loads(by_word["CMD"][0]) == ["run"]
    assert by_word["STOPSIGNAL"] == ["SIGINT"]
    copied = {rest.split()[0] for rest in by_word["COPY"]}
    packages = {"bot", "handlers", "surveys", "storage", "pyproject.toml"}
    assert packages <= copied
    assert any("pip install ." in run for run in by_word["RUN"])
