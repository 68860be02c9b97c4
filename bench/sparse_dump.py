"""Writes a sparse MpiDescent data file (docs/data-format.md, layout 1) as LIBSVM text, read independently of
MpiDescent's code: the header, the block offset table, and each block's counts, labels, indices and values."""
import struct, sys
import numpy as np

path = sys.argv[1]
with open(path, "rb") as f: data = f.read()
assert data[:8] == b"MPIDSCNT" and data[29] == 1, "not a sparse data file"
rows, = struct.unpack_from("<q", data, 16)
d, = struct.unpack_from("<i", data, 24)
etype, flags = data[28], struct.unpack_from("<H", data, 30)[0]
block_rows, names = struct.unpack_from("<ii", data, 32)
nnz, = struct.unpack_from("<q", data, 56)
e = 8 if etype == 1 else 4
fmt = "<f8" if e == 8 else "<f4"
weights = flags & 1
base = 128 + names
row_bytes, entry_bytes = 4 + e * (2 if weights else 1), 4 + e
data_bytes = rows * row_bytes + nnz * entry_bytes
blocks = (rows + block_rows - 1) // block_rows
offsets = np.frombuffer(data, "<i8", blocks + 1, base + data_bytes)
out = sys.stdout
for b in range(blocks):
    n = min(block_rows, rows - b * block_rows)
    at = base + int(offsets[b])
    counts = np.frombuffer(data, "<i4", n, at); at += 4 * n
    labels = np.frombuffer(data, fmt, n, at); at += e * n * (2 if weights else 1)
    z = int(counts.sum())
    idx = np.frombuffer(data, "<i4", z, at); at += 4 * z
    val = np.frombuffer(data, fmt, z, at)
    k = 0
    lines = []
    for i in range(n):
        c = int(counts[i])
        pairs = zip(idx[k:k + c], val[k:k + c])
        lines.append(("%.17g" % labels[i]) + "".join(" %d:%r" % (j + 1, float(v)) for j, v in pairs))
        k += c
    out.write("\n".join(lines) + "\n")
