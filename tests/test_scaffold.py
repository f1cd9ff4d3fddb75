"""`digest init` starts a site that builds, with nothing from this repository; `--eject` copies
the built-in theme; neither ever overwrites a file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from conftest import REPO, run_digest


def test_init_then_build_in_an_empty_folder(tmp_path):
    result = run_digest("init", "news", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\nNext:\n  cd news\n  digest build" in result.stdout
    site = tmp_path / "news"
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == [
        "config.yaml", f"content/example/{_today(site)}-welcome.md",
        "content/example/pelican-headers.md", "content/tracker/example.txt"]
    built = run_digest("build", cwd=site)
    assert built.returncode == 0, built.stderr
    assert built.stderr == ""  # the examples make no warning
    assert built.stdout.startswith("Built 3 articles into output/")
    assert not (site / "templates").exists()  # the built-in theme did it all
    assert (site / "output/static/style.css").is_file()


def test_init_never_overwrites_and_eject_copies_the_theme(tmp_path):
    assert run_digest("init", cwd=tmp_path).returncode == 0
    (tmp_path / "config.yaml").write_text((tmp_path / "config.yaml").read_text()
                                          + "title: Mine\n".replace("title", "# title"))
    mine = (tmp_path / "config.yaml").read_text()
    again = run_digest("init", cwd=tmp_path)
    assert again.returncode == 0 and "kept config.yaml: it exists already" in again.stderr
    assert (tmp_path / "config.yaml").read_text() == mine
    eject = run_digest("init", "--eject", cwd=tmp_path)
    assert eject.returncode == 0, eject.stderr
    theme = REPO / "templates"
    copied = sorted(p.relative_to(tmp_path / "templates").as_posix()
                    for p in (tmp_path / "templates").rglob("*") if p.is_file())
    assert copied == sorted(p.relative_to(theme).as_posix() for p in theme.rglob("*")
                            if p.is_file())
    base = tmp_path / "templates/base.html"
    base.write_text(base.read_text().replace("Built with Digest", "Built by hand"))
    assert "kept templates/base.html" in run_digest("init", "--eject", cwd=tmp_path).stderr
    assert run_digest("build", cwd=tmp_path).returncode == 0
    assert "Built by hand" in (tmp_path / "output/index.html").read_text()


def test_a_template_overrides_the_theme_and_can_extend_the_built_in_one(tmp_path):
    assert run_digest("init", cwd=tmp_path).returncode == 0
    (tmp_path / "mytheme").mkdir()
    (tmp_path / "mytheme/home.html").write_text(
        '{% extends "!digest/home.html" %}{% block main %}<p>theme home</p>{{ super() }}'
        "{% endblock %}")
    (tmp_path / "mytheme/404.html").write_text("theme 404")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/404.html").write_text("site 404")
    config = tmp_path / "config.yaml"
    config.write_text(config.read_text() + "theme: mytheme\n")
    assert run_digest("build", cwd=tmp_path).returncode == 0
    out = tmp_path / "output"
    assert (out / "404.html").read_text() == "site 404"  # the site's own wins
    home = (out / "index.html").read_text()
    assert "<p>theme home</p>" in home and "Welcome to your digest" in home  # theme, extending
    config.write_text(config.read_text().replace("theme: mytheme", "theme: missing"))
    failed = run_digest("build", cwd=tmp_path)
    assert failed.returncode == 1 and "error: config.yaml: theme: no folder missing" in failed.stderr


def test_the_installed_package_alone_makes_a_site(tmp_path):
    """From a wheel: the built-in theme travels inside it; nothing is read from this repository."""
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(wheels), str(REPO)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    [wheel] = wheels.glob("*.whl")
    installed = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(installed)
    assert (installed / "generator/theme/base.html").is_file()
    assert not (installed / "generator/theme").is_symlink()
    site = tmp_path / "site"
    site.mkdir()
    # -S: no site-packages hooks, so the editable install of this repository is not seen; the
    # libraries come from this venv's site-packages, Digest from the wheel.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(installed), sysconfig.get_paths()["purelib"]]))
    command = [sys.executable, "-S", "-m", "generator.cli"]
    where = subprocess.run(command[:2] + ["-c", "import generator; print(generator.__file__)"],
                           capture_output=True, text=True, env=env, cwd=site)
    assert where.stdout.startswith(str(installed)), where.stdout + where.stderr
    for args in (["init"], ["build"]):
        result = subprocess.run(command + args, capture_output=True, text=True, env=env,
                                cwd=site, timeout=300)
        assert result.returncode == 0, result.stderr
    assert "Welcome to your digest" in (site / "output/index.html").read_text()
    assert not shutil.which("digest", path=str(site))


def _today(site: Path) -> str:
    [welcome] = (site / "content/example").glob("*-welcome.md")
    return welcome.name.removesuffix("-welcome.md")
