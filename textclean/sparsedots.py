"""Unit × unit dot products of a small sparse matrix, summed exactly as scipy sums them.

The coherence scorer's top-3 similarity needs ``A @ A.T`` for a page's units
in float32, with every sum formed in scipy's order (so the floats match the
sparse reference path bit for bit). Going through ``csr_matrix`` costs about
three times the arithmetic on a page: format checks, a transpose by format
conversion, an extra pass counting the output's entries, ``toarray``. Here
the same C routine (``csr_matmat``) gets the arrays directly: the transpose is
one stable argsort (entries by column, then unit), and the output bound is
``n * n`` (the result is a dense n × n anyway). Where scipy does not offer the
routine under that name, the public product is used; the floats are the same.
"""
from __future__ import annotations

import numpy as np



def _sparsetools():
    """scipy's compiled sparse routines, without importing ``scipy.sparse``.

    ``import scipy.sparse`` costs about 20 MB of memory in every process (it
    brings scipy's array-API layer and test helpers), for two C routines that
    need only numpy. The extension is loaded from its file under its own
    name and then taken out of ``sys.modules`` again, so that a later
    ``import scipy.sparse`` (the user's, scikit-learn's) imports it the
    ordinary way. Where that does not work (an unusual install), the plain
    import; None without scipy.
    """
    import importlib.machinery
    import importlib.util
    import os
    import sys

    name = "scipy.sparse._sparsetools"
    if name in sys.modules:
        return sys.modules[name]
    try:
        spec = importlib.util.find_spec("scipy")
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = os.path.join(folder, "sparse", "_sparsetools" + suffix)
                if os.path.isfile(path):
                    ext = importlib.util.spec_from_file_location(name, path)
                    try:
                        module = importlib.util.module_from_spec(ext)
                        ext.loader.exec_module(module)
                    finally:
                        sys.modules.pop(name, None)
                    return module
    except Exception:  # pragma: no cover - fall back to the ordinary import
        pass
    try:  # pragma: no cover
        import scipy.sparse._sparsetools as module

        return module
    except ImportError:  # pragma: no cover
        return None


# private, but present in every scipy release the project supports
_tools = _sparsetools()
_csr_matmat = getattr(_tools, "csr_matmat", None)
_csr_matvecs = getattr(_tools, "csr_matvecs", None)
del _tools

__all__ = ["unit_dots", "times_dense"]


def _public(row: np.ndarray, col: np.ndarray, val: np.ndarray, indptr: np.ndarray, n: int, f: int) -> np.ndarray:
    from scipy.sparse import csr_matrix

    A = csr_matrix((val, col, indptr), shape=(n, f))
    return (A @ A.T).toarray()


def _indptr(row: np.ndarray, n: int) -> np.ndarray:
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    return indptr


def times_dense(row: np.ndarray, col: np.ndarray, val: np.ndarray, n: int, dense: np.ndarray) -> np.ndarray | None:
    """``A @ dense`` for ``A[row, col] = val`` (row-major entries), by scipy's
    single-threaded CSR loop; None where scipy lacks it.

    Not a BLAS product: for a page that would wake OpenBLAS's thread pool,
    whose spinning threads then slow every numpy call after it.
    """
    global _csr_matvecs
    if _csr_matvecs is None:  # pragma: no cover
        return None
    dense = np.ascontiguousarray(dense, dtype=val.dtype)
    out = np.zeros((n, dense.shape[1]), dtype=val.dtype)
    try:
        _csr_matvecs(n, dense.shape[0], dense.shape[1], _indptr(row, n), col.astype(np.int32), val, dense.ravel(), out.ravel())
    except (TypeError, ValueError):  # pragma: no cover - a scipy whose private signature changed
        _csr_matvecs = None
        return None
    return out


def unit_dots(row: np.ndarray, col: np.ndarray, val: np.ndarray, n: int, f: int) -> np.ndarray:
    """Dense ``A @ A.T`` (float32) for ``A[row, col] = val``; entries in row-major
    order with unique cells, as a CSR of shape ``(n, f)`` stores them."""
    global _csr_matmat
    indptr = _indptr(row, n)
    if _csr_matmat is None:  # pragma: no cover
        return _public(row, col, val, indptr, n, f)
    col32 = col.astype(np.int32)
    # A.T as CSR: entries by feature, units ascending within one (what scipy's
    # csr_tocsc gives, so csr_matmat adds the same products in the same order)
    order = np.argsort(col32, kind="stable")
    t_indptr = np.zeros(f + 1, dtype=np.int32)
    np.cumsum(np.bincount(col32, minlength=f), out=t_indptr[1:])
    t_indices = row[order].astype(np.int32)
    c_indptr = np.empty(n + 1, dtype=np.int32)
    c_indices = np.empty(n * n, dtype=np.int32)
    c_data = np.empty(n * n, dtype=val.dtype)
    try:
        _csr_matmat(n, n, indptr, col32, val, t_indptr, t_indices, val[order], c_indptr, c_indices, c_data)
    except (TypeError, ValueError):  # pragma: no cover - a scipy whose private signature changed
        _csr_matmat = None
        return _public(row, col, val, indptr, n, f)
    nnz = int(c_indptr[-1])
    out = np.zeros((n, n), dtype=val.dtype)
    # "+=" onto zeros as toarray() does (a stored -0.0 would read as +0.0 there)
    out[np.repeat(np.arange(n), np.diff(c_indptr)), c_indices[:nnz]] += c_data[:nnz]
    return out
