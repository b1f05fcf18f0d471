"""quality_classifier stage and curate.filters.classifier on a 40-row slice of real labelled pairs.

Fixture: tests/fixtures/quality_labels_small.jsonl, 40 rows copied from
benchmarks/quality_labels.jsonl (20 good, 6 refusal, 5 truncated, 5 off_topic, 4 nonsense; the
shortest of each class, spread over sources; en/zh/ru/es).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from curate.filters.classifier import (LabelError, cross_validate, filter_metrics, load_model, make_model,
                                       pair_features, read_labels)
from curate.schema import make_frame
from curate.stage import Context
from curate.stages.quality_classifier import QualityClassifier, stat_columns

FIX = Path(__file__).parent / "fixtures" / "quality_labels_small.jsonl"


def fixture_rows() -> list[dict]:
    return [json.loads(line) for line in FIX.read_text(encoding="utf-8").splitlines()]


def frame_of(rows: list[dict]) -> pl.DataFrame:
    return make_frame([{"id": r["id"], "source": r["source"],
                        "messages": [{"role": "user", "content": r["prompt"]},
                                     {"role": "assistant", "content": r["response"]}]} for r in rows])


def planted(rows: list[dict]) -> pl.DataFrame:
    """The fixture frame with a planted metric that separates the classes: 1 for bad rows, 0 for good."""
    return frame_of(rows).with_columns(
        stat_planted=pl.Series([0.0 if r["label"] == "good" else 1.0 for r in rows]))


def write_labels(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return str(path)


def stage(labels: str, **kw) -> QualityClassifier:
    kw.setdefault("cv_folds", 4)
    kw.setdefault("min_per_class", 4)
    return QualityClassifier(QualityClassifier.Params(labels=labels, **kw))


# ---------------------------------------------------------------- label files

def test_read_labels_fixture_counts():
    ls = read_labels(FIX)
    assert len(ls.records) == 40 and ls.unsure == 0
    assert sum(r.good for r in ls.records) == 20
    assert {r.label for r in ls.records} == {"good", "refusal", "truncated", "off_topic", "nonsense"}
    assert ls.records[0].line == 1 and ls.records[0].id == fixture_rows()[0]["id"]


def test_read_labels_csv_and_unsure(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("id,label,note\na,good,\nb,BAD,cut\nc,unsure,?\n", encoding="utf-8")
    ls = read_labels(p)
    assert [(r.id, r.label, r.good, r.line) for r in ls.records] == [("a", "good", True, 2), ("b", "bad", False, 3)]
    assert ls.unsure == 1


@pytest.mark.parametrize("content, message", [
    ('{"id": "a", "label": "good"}\n{"id": "b", "label": "meh"}\n', r"l\.jsonl:2: unknown label 'meh'"),
    ('{"id": "a", "label": "good"}\n{"id": "b"\n', r"l\.jsonl:2: not valid JSON"),
    ('{"label": "good", "note": "x"}\n', r"l\.jsonl:1: needs an 'id' or both 'prompt' and 'response'"),
    ('{"id": "a", "label": "bad", "prompt": "p"}\n', r"l\.jsonl:1: 'prompt' and 'response' go together"),
    ('["a", "good"]\n', r"l\.jsonl:1: expected a JSON object, got list"),
    ('{"id": "a"}\n', r"l\.jsonl:1: no 'label' field"),
])
def test_read_labels_errors_name_file_and_line(tmp_path, content, message):
    p = tmp_path / "l.jsonl"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(LabelError, match=message) as exc:
        read_labels(p)
    assert "\n" not in str(exc.value)


def test_csv_without_label_column(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("id,verdict\na,good\n", encoding="utf-8")
    with pytest.raises(LabelError, match=r"l\.csv:1: CSV header has no 'label' column"):
        read_labels(p)


# ---------------------------------------------------------------- params and validation

def test_missing_labels_file_is_a_validate_error(tmp_path):
    p = QualityClassifier.Params(labels=str(tmp_path / "nope.jsonl"))
    assert p.missing_files() == [f"labels: file not found: {tmp_path / 'nope.jsonl'} (relative to {Path.cwd()})"]
    assert QualityClassifier.Params(labels=str(FIX)).missing_files() == []


def test_bad_label_line_is_a_validate_error(tmp_path):
    path = write_labels(tmp_path / "l.jsonl", [{"id": "a", "label": "good"}, {"id": "b", "label": "great"}])
    msgs = QualityClassifier.Params(labels=path).check_inputs()
    assert len(msgs) == 1 and msgs[0].startswith("labels: ") and ":2: unknown label 'great'" in msgs[0]


def test_params_reject_bad_values():
    with pytest.raises(ValidationError):
        QualityClassifier.Params(labels="x", threshold=1.5)
    with pytest.raises(ValidationError):
        QualityClassifier.Params(labels="x", model="svm")
    with pytest.raises(ValidationError):
        QualityClassifier.Params(labels="x", features=[])
    with pytest.raises(ValidationError, match="listed twice"):
        QualityClassifier.Params(labels="x", features=["stats", "stats"])
    with pytest.raises(ValidationError):
        QualityClassifier.Params(labels="x", treshold=0.5)


def test_too_few_labels_is_one_line_error(tmp_path):
    rows = fixture_rows()
    few = [r for r in rows if r["label"] == "good"] + [r for r in rows if r["label"] == "refusal"][:3]
    path = write_labels(tmp_path / "few.jsonl", few)
    with pytest.raises(ValueError) as exc:
        stage(path, features=["stats"]).run(planted(rows), Context(seed=0, artifact_dir=tmp_path / "art"))
    msg = str(exc.value)
    assert msg == (f"labels {path}: 20 good and 3 bad labels usable, need at least 4 of each "
                   f"(min_per_class 4, cv_folds 4); 0 ids not in the frame, 0 unsure")


def test_labels_with_unknown_ids_are_counted_and_can_starve_a_class(tmp_path):
    rows = fixture_rows()
    recs = [dict(r, id="gone/" + r["id"]) if r["label"] != "good" else r for r in rows]
    recs = [{k: v for k, v in r.items() if k not in ("prompt", "response")} for r in recs]
    path = write_labels(tmp_path / "l.jsonl", recs)
    with pytest.raises(ValueError, match=r"20 good and 0 bad labels usable.*; 20 ids not in the frame, 0 unsure$"):
        stage(path, features=["stats"]).run(planted(rows), Context(seed=0, artifact_dir=tmp_path / "art"))


def test_too_many_embedding_components_is_one_line_error(tmp_path):
    rows = fixture_rows()
    with pytest.raises(ValueError, match=r"^embedding_components 31 exceeds the 30 labelled rows a cross-validation "
                                         r"fold trains on; lower it or add labels$"):
        stage(str(FIX), embedding_components=31).run(planted(rows), Context(seed=0, artifact_dir=tmp_path / "art"))


def test_stats_feature_needs_stat_columns(tmp_path):
    rows = fixture_rows()
    with pytest.raises(ValueError, match="no numeric stat_\\* column"):
        stage(str(FIX), features=["stats"]).run(frame_of(rows), Context(seed=0, artifact_dir=tmp_path / "art"))


# ---------------------------------------------------------------- fitting and filtering

def test_planted_split_exact_kept_and_dropped_ids(tmp_path):
    """Train on the 40 labels; score them plus 4 unlabelled rows whose planted metric says bad/good."""
    rows = fixture_rows()
    extra = [dict(rows[0], id="new/good-like"), dict(rows[1], id="new/good-like-2"),
             dict(rows[20], id="new/bad-like"), dict(rows[21], id="new/bad-like-2")]
    df = planted(rows + extra)
    res = stage(str(FIX), features=["stats"], threshold=0.5).run(df, Context(seed=0, artifact_dir=tmp_path / "art"))
    bad_ids = [r["id"] for r in rows if r["label"] != "good"] + ["new/bad-like", "new/bad-like-2"]
    good_ids = [r["id"] for r in rows if r["label"] == "good"] + ["new/good-like", "new/good-like-2"]
    assert res.kept["id"].to_list() == good_ids
    assert res.rejected["id"].to_list() == bad_ids
    assert set(res.rejected["drop_reason"]) == {"quality_classifier"}
    detail = res.rejected["drop_detail"][0]
    assert detail.startswith("stat_quality_clf=0.") and detail.endswith(" < 0.5")
    assert res.kept["stat_quality_clf"].min() > 0.5 > res.rejected["stat_quality_clf"].max()
    c = res.counters
    assert (c["dropped.quality_classifier"], c["labels_used"], c["labels_good"], c["labels_bad"]) == (22, 40, 20, 20)
    assert (c["cv_precision"], c["cv_recall"], c["cv_good_dropped"], c["cv_roc_auc"]) == (1.0, 1.0, 0.0, 1.0)
    assert c["stat_columns"] == 1 and c["labels_from_text"] == 0
    model, meta = load_model(res.artifacts["model"])
    assert meta["stat_columns"] == ["stat_planted"] and meta["kind"] == "logistic" and meta["cv"]["n"] == 40
    assert json.loads(Path(res.artifacts["cv"]).read_text())["cv"]["recall"] == 1.0


def test_threshold_null_only_scores(tmp_path):
    rows = fixture_rows()
    res = stage(str(FIX), features=["stats"], threshold=None).run(planted(rows), Context(seed=0, artifact_dir=tmp_path / "a"))
    assert res.kept.height == 40 and res.rejected.height == 0
    assert res.kept["stat_quality_clf"].null_count() == 0


def test_labels_carrying_their_own_text(tmp_path):
    """Labels that are not in the frame but carry prompt/response are embedded from their text;
    labels whose text matches a frame row take that row's stat_* metrics."""
    rows = fixture_rows()
    recs = [{"prompt": r["prompt"], "response": r["response"], "label": "bad" if r["label"] != "good" else "good"}
            for r in rows]
    path = write_labels(tmp_path / "l.jsonl", recs)
    res = stage(path, features=["stats"]).run(planted(rows), Context(seed=0, artifact_dir=tmp_path / "a"))
    assert res.counters["labels_from_text"] == 0  # every text matched a frame row
    assert res.rejected.height == 20


def test_fit_is_deterministic(tmp_path, caplog):
    rows = fixture_rows()
    df = planted(rows).with_columns(stat_len=pl.col("messages").list.last().struct.field("content").str.len_chars())
    runs = []
    for k in range(2):
        with caplog.at_level(logging.INFO, logger="curatrain"):
            res = stage(str(FIX), features=["stats"], model="gradient_boosting").run(
                df, Context(seed=7, artifact_dir=tmp_path / f"a{k}"))
        runs.append(res.kept["stat_quality_clf"].to_list() + res.rejected["stat_quality_clf"].to_list())
    assert runs[0] == runs[1]
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("quality_classifier: 4-fold CV")]
    assert len(lines) == 2 and lines[0] == lines[1] and "bad-row precision" in lines[0]


def test_cross_validate_groups_and_metrics():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (30, 3)), rng.normal(3, 1, (30, 3))])
    y = np.array([1] * 30 + [0] * 30)
    groups = np.arange(60) // 2  # pairs of rows share a group
    rep, oof = cross_validate(X, y, folds=5, seed=1, groups=groups, classes=["good"] * 30 + ["truncated"] * 30)
    assert oof.shape == (60,) and not np.isnan(oof).any()
    assert rep.n == 60 and rep.n_good == 30 and rep.n_bad == 30
    assert rep.recall == 1.0 and rep.good_dropped == 0.0 and rep.recall_by_class == {"truncated": 1.0}
    with pytest.raises(ValueError, match="needs at least 5 good and 5 bad labels; got 30 good, 4 bad"):
        cross_validate(X[:34], y[:34], folds=5)


def test_filter_metrics_exact():
    m = filter_metrics(np.array([0.1, 0.9, 0.4, 0.6, 0.2]), np.array([0, 1, 1, 0, 0]), 0.5,
                       ["refusal", "good", "good", "nonsense", "refusal"])
    assert (m["precision"], m["recall"], m["good_dropped"]) == (2 / 3, 2 / 3, 0.5)
    assert m["recall_by_class"] == {"nonsense": 0.0, "refusal": 1.0}


def test_pair_features_and_unknown_model():
    a = np.eye(3, dtype=np.float32)
    f = pair_features(a, a[[1, 1, 2]])
    assert f.shape == (3, 7) and f[:, -1].tolist() == [0.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="unknown model kind 'svm'"):
        make_model("svm")


def test_real_embeddings_end_to_end(tmp_path):
    """The offline MiniLM on the 40 real pairs: the fit is deterministic, the saved artifact gives
    back the scores written to stat_quality_clf, and without PCA (769 columns for 40 rows) the
    training labels are fitted exactly."""
    rows = fixture_rows()
    df = frame_of(rows)
    emb = str(tmp_path / "emb")
    runs = [stage(str(FIX), features=["embeddings"], cache_dir=emb).run(df, Context(seed=3, artifact_dir=tmp_path / f"a{k}"))
            for k in range(2)]
    score = [dict(zip(r.kept["id"].to_list() + r.rejected["id"].to_list(),
                      r.kept["stat_quality_clf"].to_list() + r.rejected["stat_quality_clf"].to_list())) for r in runs]
    assert score[0] == score[1] and len(score[0]) == 40
    res = runs[0]
    assert res.rejected.height == res.counters["dropped.quality_classifier"] and res.kept.height + res.rejected.height == 40
    assert res.rejected["stat_quality_clf"].max() < 0.5 <= res.kept["stat_quality_clf"].min()
    model, meta = load_model(res.artifacts["model"])
    assert meta["features"] == ["embeddings"] and meta["embedding_components"] == 16 and model.n_features_in_ == 769
    from curate.embed import embed_texts
    e = embed_texts([r["prompt"] for r in rows] + [r["response"] for r in rows], max_seq_length=128, cache_dir=emb)
    again = model.predict_proba(pair_features(e[:40], e[40:]).astype(np.float64))[:, 1]
    assert np.allclose(again, [score[0][r["id"]] for r in rows])
    raw = stage(str(FIX), features=["embeddings"], cache_dir=emb, embedding_components=None).run(
        df, Context(seed=3, artifact_dir=tmp_path / "raw"))
    assert set(raw.kept["id"]) == {r["id"] for r in rows if r["label"] == "good"}
    assert stat_columns(raw.kept) == []
