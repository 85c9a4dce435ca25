"""The topic trainer's building blocks, on hand-made data (no corpora needed)."""
import numpy as np
import pytest
from scipy.sparse import csr_matrix

from textclean.training.topic import LABELS, _train_topic, make_doc


def _toy():
    # feature 0 occurs only in label 0's text, feature 1 only in label 1's, feature 2 in both
    X = csr_matrix(np.array([[3, 0, 1], [2, 0, 1], [0, 3, 1], [0, 2, 1]], dtype=np.float64))
    y = np.array([0, 0, 1, 1])
    return X, y, np.ones(4)


@pytest.mark.parametrize("kind", ["nb", "cnb"])
def test_weights_point_each_label_to_its_own_words(kind):
    X, y, w = _toy()
    W = _train_topic(X, y, w, alpha=0.3, kind=kind)
    assert W.shape == (3, len(LABELS))
    assert W[0].argmax() == 0 and W[1].argmax() == 1
    assert W[0, 0] > W[2, 0] and W[1, 1] > W[2, 1]  # a shared word is weaker evidence
    assert np.allclose(W.mean(axis=1), 0.0)  # centred per feature: the softmax is unchanged


def test_sample_weight_counts_like_repeated_rows():
    X, y, _ = _toy()
    doubled = _train_topic(X, y, np.array([2.0, 1, 1, 1]))
    repeated = _train_topic(csr_matrix(np.vstack([X.toarray()[:1], X.toarray()])), np.r_[0, y], np.ones(5))
    assert np.allclose(doubled, repeated)


@pytest.mark.parametrize("mode", ["inline", "line", "scatter"])
def test_spliced_documents_mark_every_foreign_sentence(mode):
    host = [f"这是主文章的第{i}句话，讲的是同一件事情。" for i in range(8)]
    donor = [f"外来文章的第{i}句完全是另一个话题的内容。" for i in range(5)]
    doc = make_doc(np.random.default_rng(3), host, donor, mode=mode, k=3)
    foreign = [doc.text[a:b] for a, b in doc.foreign]
    genuine = [doc.text[a:b] for a, b in doc.genuine]
    assert genuine == host  # host order kept, nothing lost
    assert 1 <= len(foreign) <= 3 and all(s in donor for s in foreign)
    assert len(doc.text) == sum(map(len, host + foreign)) + doc.text.count("\n")


def test_a_clean_document_has_no_foreign_span():
    host = [f"第{i}句是正常的新闻内容。" for i in range(6)]
    doc = make_doc(np.random.default_rng(0), host, None)
    assert doc.foreign == [] and [doc.text[a:b] for a, b in doc.genuine] == host


@pytest.mark.parametrize("argv", [["--cnb-share", "1.5"], ["--short-hosts", "-0.1"], ["--alpha", "0"],
                                  ["--window-weight", "-1"]])
def test_trainer_refuses_out_of_range_options(argv, capsys):
    from textclean.training.topic import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and argv[0] in capsys.readouterr().err.replace("--headline-weight and ", "")
