"""Bounded shortest routes over the path network in one compiled pass per source: network distance and walking
times to the points paired with it, from searches that stop at the limit, without dense distance matrices.

network.pair_metrics runs this; network.pair_metrics_dense (scipy's Dijkstra over whole rows) is the reference it
is tested equal to. A search from a source touches the few hundred nodes within reach; a dense row holds every node
of the network, which at a million households and 400,000 road edges was nearly all of the time."""
from __future__ import annotations

import numpy as np

from .jit import njit, prange

INF = np.inf


@njit(cache=True, inline="always")
def _push(hk, hn, size, key, node):
    """Push (key, node) on the binary min-heap held in hk/hn[:size]; returns the new size (room checked by caller)."""
    k = size
    hk[k] = key; hn[k] = node
    while k > 0:
        p = (k - 1) >> 1
        if hk[p] <= hk[k]:
            break
        hk[p], hk[k] = hk[k], hk[p]
        hn[p], hn[k] = hn[k], hn[p]
        k = p
    return size + 1


@njit(cache=True, inline="always")
def _pop(hk, hn, size):
    """Pop the least key of the heap; returns (key, node, new size)."""
    key, node = hk[0], hn[0]
    size -= 1
    hk[0] = hk[size]; hn[0] = hn[size]
    k = 0
    while True:
        c = 2 * k + 1
        if c >= size:
            break
        if c + 1 < size and hk[c + 1] < hk[c]:
            c += 1
        if hk[k] <= hk[c]:
            break
        hk[k], hk[c] = hk[c], hk[k]
        hn[k], hn[c] = hn[c], hn[k]
        k = c
    return key, node, size


@njit(cache=True)
def _search(indptr, indices, weights, start, limit, dist, seen, n_seen, hk, hn, want, n_want):
    """Dijkstra from `start`, stopping at `limit` or once the n_want nodes marked in `want` are settled: dist[v] of
    those nodes as scipy's dijkstra with that limit reports them (inf beyond it; other nodes' entries are left
    unfinished). Nodes given a distance are appended to seen[n_seen:] (to be reset); settled marks are cleared. Returns
    (n_seen, hk, hn): the heap arrays may have grown."""
    size = 0
    dist[start] = 0.0
    seen[n_seen] = start
    n_seen += 1
    size = _push(hk, hn, size, 0.0, start)
    while size > 0:
        d, u, size = _pop(hk, hn, size)
        if d > dist[u]:
            continue  # a stale entry: u was reached more cheaply since
        if want[u]:  # settled: its distance is final
            want[u] = False
            n_want -= 1
            if n_want == 0:
                break
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd <= limit and nd < dist[v]:
                if dist[v] == INF:
                    seen[n_seen] = v
                    n_seen += 1
                dist[v] = nd
                if size == hk.shape[0]:
                    hk = np.concatenate((hk, np.empty(size, hk.dtype)))
                    hn = np.concatenate((hn, np.empty(size, hn.dtype)))
                size = _push(hk, hn, size, nd, v)
    return n_seen, hk, hn


@njit(cache=True)
def _targets(want, order, q0, q1, ph, h_seg, seg_a, seg_b, on):
    """Mark (on) or clear the segment ends of the points paired in order[q0:q1]; returns how many changed."""
    n = 0
    for q in range(q0, q1):
        hs = h_seg[ph[order[q]]]
        for x in (seg_a[hs], seg_b[hs]):
            if want[x] != on:
                want[x] = on
                n += 1
    return n


@njit(cache=True, inline="always")
def _fmin(a, b):
    """np.fmin: NaN loses."""
    if b != b:
        return a
    if a != a:
        return b
    return a if a <= b else b


@njit(cache=True, parallel=True)
def pair_kernel(groups, order, ends, d_ptr, d_idx, d_w, o_ptr, o_idx, o_w, b_ptr, b_idx, b_w, n_nodes,
                seg_a, seg_b, length, t_ab, t_ba, ph, h_seg, h_pos, h_access, s_seg, s_pos, s_access,
                h_t_to, h_t_from, s_t_to, s_t_from, limit_m, tlimit, dist, tout, tback):
    """network.pair_metrics_dense, one source at a time: groups[g]: the source, its pairs order[ends[g]:ends[g+1]].
    Searches over the distance graph (d_*), the reversed time graph (o_*: node → source, out) and the time graph
    (b_*: source → node, back), from both ends of the source's segment."""
    G = groups.shape[0]
    B = 32  # blocks of sources, each with its own scratch (a search resets only the nodes it set)
    for blk in prange(B):
        D = np.full((2, n_nodes), INF); To = np.full((2, n_nodes), INF); Tb = np.full((2, n_nodes), INF)
        seen = np.empty(6 * n_nodes + 6, np.int64)  # nodes each of the six searches set, to reset after
        want = np.zeros(n_nodes, np.bool_)  # the nodes a search must settle before it may stop
        hk = np.empty(1024); hn = np.empty(1024, np.int64)
        for g in range(blk, G, B):
            s = groups[g]
            ss = s_seg[s]
            n = 0
            q0, q1 = ends[g], ends[g + 1]
            # Each search stops once the segment ends of the points paired with this source are settled: the time
            # searches would otherwise run on to their limit, some 30 km of paths.
            for y in range(2):
                r = seg_a[ss] if y == 0 else seg_b[ss]
                for ptr, idx, w, lim, row in ((d_ptr, d_idx, d_w, limit_m, D[y]), (o_ptr, o_idx, o_w, tlimit, To[y]),
                                              (b_ptr, b_idx, b_w, tlimit, Tb[y])):
                    k = _targets(want, order, q0, q1, ph, h_seg, seg_a, seg_b, True)
                    n, hk, hn = _search(ptr, idx, w, r, lim, row, seen, n, hk, hn, want, k)
                    _targets(want, order, q0, q1, ph, h_seg, seg_a, seg_b, False)
            for q in range(ends[g], ends[g + 1]):
                p = order[q]
                h = ph[p]
                hs = h_seg[h]
                hL, sL = length[hs], length[ss]
                h_off0, h_off1 = h_pos[h], hL - h_pos[h]
                s_off0, s_off1 = s_pos[s], sL - s_pos[s]
                fr_h = h_pos[h] / hL if hL > 0 else 0.0
                fr_s = s_pos[s] / sL if sL > 0 else 0.0
                ho0, ho1 = t_ba[hs] * fr_h, t_ab[hs] * (1 - fr_h)
                hb0, hb1 = t_ab[hs] * fr_h, t_ba[hs] * (1 - fr_h)
                so0, so1 = t_ab[ss] * fr_s, t_ba[ss] * (1 - fr_s)
                sb0, sb1 = t_ba[ss] * fr_s, t_ab[ss] * (1 - fr_s)
                bd = INF; bo = INF; bb = INF
                for y in range(2):
                    s_off = s_off0 if y == 0 else s_off1
                    so = so0 if y == 0 else so1
                    sb = sb0 if y == 0 else sb1
                    for xi in range(2):
                        x = seg_a[hs] if xi == 0 else seg_b[hs]
                        h_off = h_off0 if xi == 0 else h_off1
                        ho = ho0 if xi == 0 else ho1
                        hb = hb0 if xi == 0 else hb1
                        bd = _fmin(bd, h_off + D[y, x] + s_off)
                        bo = _fmin(bo, ho + To[y, x] + so)
                        bb = _fmin(bb, sb + Tb[y, x] + hb)
                if hs == ss:
                    fwd = h_pos[h] <= s_pos[s]
                    gap = abs(h_pos[h] - s_pos[s])
                    fr = gap / hL if hL > 0 else 0.0
                    do = (t_ab[hs] if fwd else t_ba[hs]) * fr
                    db = (t_ba[hs] if fwd else t_ab[hs]) * fr
                    bd = _fmin(bd, gap)
                    bo = _fmin(bo, do)
                    bb = _fmin(bb, db)
                acc = h_access[h] + s_access[s]
                reach = bd < INF and bd + acc <= limit_m  # (NaN compares false, as np.isfinite & <=)
                if reach:
                    dist[p] = bd + acc
                    o = bo + h_t_to[h] + s_t_to[s]
                    k = bb + s_t_from[s] + h_t_from[h]
                    tout[p] = o if (o == o and o < INF) else np.nan
                    tback[p] = k if (k == k and k < INF) else np.nan
            for q in range(n):
                v = seen[q]
                D[0, v] = INF; D[1, v] = INF; To[0, v] = INF; To[1, v] = INF; Tb[0, v] = INF; Tb[1, v] = INF
