"""The direct scipy loops give the floats of the public scipy products, and fall back to them."""
import numpy as np
import pytest
from scipy.sparse import csr_matrix

from textclean import sparsedots


def _entries(seed: int, n: int = 7, f: int = 40):
    rng = np.random.default_rng(seed)
    dense = (rng.random((n, f)) < 0.2) * rng.integers(1, 4, (n, f))
    dense[3] = 0  # a unit with no features
    row, col = np.nonzero(dense)
    val = (dense[row, col] * rng.random(row.size)).astype(np.float32)
    return row, col, val, n, f


@pytest.mark.parametrize("seed", range(5))
def test_unit_dots_equals_public_product(seed):
    row, col, val, n, f = _entries(seed)
    A = csr_matrix((val, (row, col)), shape=(n, f))
    got = sparsedots.unit_dots(row, col, val, n, f)
    assert got.dtype == np.float32
    assert np.array_equal(got, (A @ A.T).toarray())


@pytest.mark.parametrize("seed", range(5))
def test_times_dense_equals_public_product(seed):
    row, col, val, n, f = _entries(seed)
    val64 = val.astype(np.float64)
    W = np.random.default_rng(seed).standard_normal((f, 3)).astype(np.float16).astype(np.float64)
    got = sparsedots.times_dense(row, col, val64, n, W)
    assert np.array_equal(got, csr_matrix((val64, (row, col)), shape=(n, f)) @ W)


def _broken(*args):
    raise TypeError("signature changed")


@pytest.mark.parametrize("routine", [None, _broken], ids=["absent", "signature-changed"])
def test_without_working_private_routines_the_public_product_is_used(monkeypatch, routine):
    row, col, val, n, f = _entries(11)
    expected = sparsedots.unit_dots(row, col, val, n, f)
    monkeypatch.setattr(sparsedots, "_csr_matmat", routine)
    monkeypatch.setattr(sparsedots, "_csr_matvecs", routine)
    assert np.array_equal(sparsedots.unit_dots(row, col, val, n, f), expected)
    assert sparsedots.times_dense(row, col, val.astype(np.float64), n, np.ones((f, 2))) is None


def test_routines_load_without_importing_scipy_sparse():
    # scipy.sparse costs ~20 MB per process; cleaning needs only its C routines
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from textclean import sparsedots\n"
        "assert sparsedots._csr_matmat is not None and sparsedots._csr_matvecs is not None\n"
        "assert not [m for m in sys.modules if m.startswith('scipy')], sorted(sys.modules)\n"
        # a later ordinary import (the user's, scikit-learn's) gets the whole package, as usual
        "import scipy.sparse\n"
        "assert scipy.sparse._sparsetools.csr_matmat is not None\n"
        "A = scipy.sparse.csr_matrix([[1.0, 2.0], [0.0, 3.0]])\n"
        "assert (A @ A.T).toarray().tolist() == [[5.0, 6.0], [6.0, 9.0]]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
