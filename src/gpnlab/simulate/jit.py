"""Compiled kernels for the period step: numba's ``njit`` with the project's settings.

A mechanism's hot loop is one pass over the firm arrays (struct of arrays), compiled once and
cached next to its module (``__pycache__``). Settings: no ``fastmath`` (IEEE arithmetic, so a
run is the same bits on the same machine and library versions), ``nogil`` (several runs can
share a process), ``cache`` (a new process loads the machine code instead of compiling it).

Why compiled loops: at 10,000 firms a numpy version of a mechanism spends most of its time in
the overhead of ~40 whole-array calls and their temporaries; one fused loop reads each firm's
row once. Each kernel is a plain loop over firms (or contracts) whose body touches one firm and
its buyer: the shape of a one-thread-per-firm GPU kernel. ``NUMBA_DISABLE_JIT=1`` runs the
same loops in the interpreter (slow; for debugging).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

F = TypeVar("F", bound=Callable[..., Any])


def kernel(fn: F) -> F:
    """Compile ``fn`` in nopython mode, cached, without fastmath."""
    return cast(F, numba.njit(cache=True, nogil=True, fastmath=False)(fn))


BUYER_AHEAD = 8  # firms ahead whose (scattered) buyer's row a supplier loop prefetches


def prefetch(a: Any, i: int) -> None:
    """Ask the CPU to start loading element ``i`` of the contiguous array ``a`` (flat index)
    into cache; nothing else. In compiled kernels it is LLVM's ``llvm.prefetch`` (read,
    high locality), which changes no result: a hot loop that reads rows at random (a
    challenger's attributes, a buyer's entry) names the rows a few iterations ahead, so the
    cache misses overlap instead of stalling one after another. In the interpreter
    (``NUMBA_DISABLE_JIT=1``) it does nothing."""


@intrinsic
def _prefetch(typingctx: Any, arr: Any, idx: Any) -> Any:
    if not isinstance(arr, types.Array) or not isinstance(idx, types.Integer):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        data = builder.bitcast(ary.data, ir.IntType(8).as_pointer())
        size = context.get_abi_sizeof(context.get_data_type(aryty.dtype))
        offset = builder.mul(
            context.cast(builder, args[1], idxty, types.intp),
            context.get_constant(types.intp, size),
        )
        ptr = builder.gep(data, [offset])
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
        # the intrinsic's name carries the pointer type: opaque (LLVM >= 15) or i8*
        name = "llvm.prefetch.p0" if str(ptr.type) == "ptr" else "llvm.prefetch.p0i8"
        fn = cgutils.get_or_insert_function(builder.module, fnty, name)
        builder.call(fn, [ptr, i32(0), i32(3), i32(1)])  # read, high locality, data cache
        return context.get_dummy_value()

    return types.void(arr, idx), codegen


@overload(prefetch)
def _prefetch_compiled(a: Any, i: Any) -> Any:
    def impl(a: Any, i: Any) -> None:
        _prefetch(a, i)  # type: ignore[call-arg]

    return impl
