"""Every package is locked with its hashes, the locks agree with pyproject.toml, and the environment the suite
runs in is the locked one."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(settings.BASE_DIR)
LOCKS = {
    "run": ROOT / "requirements.lock",
    "dev": ROOT / "requirements-dev.lock",
    "pip": ROOT / "requirements-pip.lock",
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)


def locked(name: str) -> dict[str, str]:
    """Package -> version pinned in that lock file."""
    return {canonicalize_name(package): version for package, version in PIN.findall(LOCKS[name].read_text())}


def declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    run = [Requirement(line) for line in project["dependencies"]]
    dev = [Requirement(line) for line in project["optional-dependencies"]["dev"]]
    return run, dev


@pytest.mark.parametrize("name", sorted(LOCKS))
def test_every_locked_package_has_a_hash(name):
    entries = re.split(r"\n(?=[A-Za-z0-9])", LOCKS[name].read_text().split("\n", 2)[2].strip())

    assert entries
    for entry in entries:
        assert PIN.match(entry), entry
        assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_locks_pin_the_direct_dependencies_of_pyproject():
    run, dev = declared()
    run_lock, dev_lock = locked("run"), locked("dev")

    for requirement in run:
        name = canonicalize_name(requirement.name)
        assert requirement.specifier.contains(run_lock[name].split("+")[0]), (name, run_lock[name])
        assert dev_lock[name] == run_lock[name]
    for requirement in dev:
        name = canonicalize_name(requirement.name)
        assert requirement.specifier.contains(dev_lock[name].split("+")[0]), (name, dev_lock[name])


def test_run_lock_agrees_with_the_dev_lock():
    run_lock, dev_lock = locked("run"), locked("dev")

    differ = {name: (pin, dev_lock.get(name)) for name, pin in run_lock.items() if dev_lock.get(name) != pin}
    assert differ == {}


def test_the_suite_runs_on_the_locked_packages():
    dev_lock = locked("dev")
    installed = {canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}

    differ = {name: (pin, installed.get(name)) for name, pin in dev_lock.items() if installed.get(name) != pin}
    assert differ == {}
