"""report.html: built from a real run's outputs, self-contained, escaped, and rendered by Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.report import ReportError, build_report
from tests.conftest import REPO

SAMPLE = REPO / "pipelines" / "data" / "sample"

SCRIPT = "<script>document.title='PWNED'</script>"
ONERROR = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"

PIPELINE = """
name: report
seed: 5
stages:
  - stage: read
    inputs:
      - {{path: {sample}/oasst_en_100_tree.jsonl, source: oasst, limit: 40}}
      - {{path: {sample}/fastchat_dummy_conversation.json, source: identity, limit: 60}}
      - {{path: {planted}, source: planted}}
  - {{stage: normalize}}
  - {{stage: exact_dedup, view: conversation}}
  - {{stage: near_dedup, view: user_turns}}
  - {{stage: quality}}
output: {{dir: {out}}}
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    planted = tmp / "planted.jsonl"
    rows = []
    for i in range(4):  # four copies: exact duplicates, so the planted text is shown in a cluster too
        rows.append({"conversations": [
            {"from": "human", "value": f"Explain this markup please: {SCRIPT} and {ONERROR}"},
            {"from": "gpt", "value": f"It is HTML. {ONERROR} {SCRIPT} Escaping it makes it inert."}]})
    rows.append({"conversations": [{"from": "human", "value": SCRIPT}]})  # no answer: a reject
    planted.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json " + SCRIPT + "\n")
    spec = tmp / "report.yaml"
    out = tmp / "out"
    spec.write_text(PIPELINE.format(sample=SAMPLE, planted=planted, out=out))
    res = CliRunner().invoke(main, ["run", str(spec)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    return out


@pytest.fixture(scope="module")
def page(run_dir):
    assert (run_dir / "report.html").is_file()  # written by `run` itself
    path = build_report(run_dir)
    assert path == run_dir / "report.html"
    return path.read_text(encoding="utf-8")


def test_planted_html_is_escaped_and_inert(page):
    assert SCRIPT not in page
    assert "onerror=" not in re.sub(r"&[a-z]+;|&#\d+;", "", page).split("<body>")[0]  # nothing in <head>
    assert not re.search(r"<[^>]*\sonerror\s*=", page, re.I)  # no tag carries the handler
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in page
    assert page.count("<script") == 0


def test_no_external_resource(page):
    for attr in re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", page):
        assert attr.startswith(("data:image/png;base64,", "#")), attr
    assert "http://" not in page.split("<body>")[0] and "https://" not in page.split("<body>")[0]


def test_sections_and_plots(page, run_dir):
    for anchor in ("funnel", "sources", "language", "duplicates", "metrics", "rejects", "selection", "mix",
                   "training"):
        assert f'id="{anchor}"' in page
    plots = re.findall(r'<img class="plot" alt="([^"]*)" src="data:image/png;base64,', page)
    assert len(plots) >= 4, plots
    assert "Funnel: rows kept and dropped per stage; time per stage" in plots
    assert "Lengths before and after curation, all sources" in plots
    stats = json.loads((run_dir / "stats.json").read_text())
    # every stage of the funnel is a table row, and every drop reason with its count
    for s in stats["stages"]:
        assert f"<td>{s['stage']}</td>" in page
        for reason, n in s["dropped"].items():
            assert f"{reason} {n:,}" in page
    assert "exact_duplicate: 4 rows" in page  # the planted cluster: keeper + 3 copies
    assert "json_syntax_error" in page and "prompt" in page


def test_missing_stats_is_a_one_line_error(tmp_path):
    with pytest.raises(ReportError, match=r"no stats.json here; run `curatrain run PIPELINE` first"):
        build_report(tmp_path)


def test_chromium_renders_the_report(run_dir, page, tmp_path):
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("Chromium not installed (CI installs it)")
    target = (run_dir / "report.html").resolve().as_uri()
    flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,2400",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([exe, *flags, "--dump-dom", target], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<title>curatrain report: report</title>" in dom.stdout  # the planted script did not retitle it
    assert re.search(r"<body[^>]*>", dom.stdout).group(0) == "<body>"  # the planted handler did not run
    assert not re.search(r"<img[^>]*onerror", dom.stdout)
    assert len(re.findall(r'<img class="plot"', dom.stdout)) >= 4
    shot = tmp_path / "shot.png"
    res = subprocess.run([exe, *flags, f"--screenshot={shot}", target], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and shot.is_file(), res.stderr[-2000:]
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert pixels.shape[0] == 2400 and pixels.std() > 0.05  # a rendered page with plots, not a blank sheet


def test_run_writes_the_report_and_the_command_rebuilds_it(run_dir):
    written = (run_dir / "report.html").read_text(encoding="utf-8")  # by `run`, before build_report here
    assert "curatrain report: report" in written
    manifest = json.loads((run_dir / "run.json").read_text())
    assert "report.html" in manifest["files"]
    res = CliRunner().invoke(main, ["report", str(run_dir)])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == str(run_dir / "report.html")
    bad = CliRunner().invoke(main, ["report", str(run_dir / "nothing")])
    assert bad.exit_code == 1
    assert bad.output.strip().endswith("no stats.json here; run `curatrain run PIPELINE` first")
    assert "Traceback" not in bad.output
