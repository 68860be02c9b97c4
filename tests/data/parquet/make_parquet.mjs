// Writes the Parquet test files of ParquetConversionTests with hyparquet-writer 0.17 (npm), an implementation
// independent of Parquet.Net, and beside each the values its columns hold as raw little-endian float64 (features row by
// row, then the labels, then the weights), which the tests compare the converted data file with.
// Rerun: cd tests/data/parquet && npm install --no-save hyparquet-writer@0.17.0 && node make_parquet.mjs
import { writeFileSync } from 'node:fs'
import { parquetWriteBuffer } from 'hyparquet-writer'

let seed = 20261203
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
const rows = 37
const range = n => Array.from({ length: n }, (_, i) => i)
const a = range(rows).map(() => (random() - 0.5) * 10 ** Math.floor(random() * 7 - 3))
const b = range(rows).map(() => Math.fround((random() - 0.5) * 100))
const c = range(rows).map(() => Math.floor((random() - 0.5) * 2e9))
const d = range(rows).map(() => BigInt(Math.floor((random() - 0.5) * 2 ** 52)) * 2n)
const e = range(rows).map(() => random() < 0.3)
const label = range(rows).map(() => (random() < 0.5 ? 1 : 0))
const w = range(rows).map(() => random() * 3)

function save(name, columnData, expected) {
  writeFileSync(`${name}.parquet`, Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize: 8,
    createdBy: 'hyparquet-writer 0.17.0 (MpiDescent tests)' })))
  if (expected) writeFileSync(`${name}.expected.f8`, Buffer.from(new Float64Array(expected).buffer))
}

const features = range(rows).flatMap(i => [a[i], b[i], c[i], Number(d[i]), e[i] ? 1 : 0])
save('mixed', [
  { name: 'a', data: a, type: 'DOUBLE' },
  { name: 'b', data: b, type: 'FLOAT' },
  { name: 'label', data: label, type: 'INT32' },
  { name: 'c', data: c, type: 'INT32', nullable: false },
  { name: 'd', data: d, type: 'INT64' },
  { name: 'e', data: e, type: 'BOOLEAN' },
  { name: 'w', data: w, type: 'DOUBLE' },
], [...features, ...label, ...w])
save('nulls', [
  { name: 'a', data: a, type: 'DOUBLE' },
  { name: 'b', data: b.map((v, i) => (i === 11 ? null : v)), type: 'FLOAT' },
  { name: 'label', data: label, type: 'INT32' },
])
save('strings', [
  { name: 'a', data: a, type: 'DOUBLE' },
  { name: 'city', data: a.map(v => (v > 0 ? 'Oslo' : 'Lima')), type: 'STRING' },
  { name: 'label', data: label, type: 'INT32' },
])
save('inexact', [
  { name: 'a', data: [1, 2], type: 'DOUBLE' },
  { name: 'd', data: [1n, 2n ** 53n + 1n], type: 'INT64' },
  { name: 'label', data: [0, 1], type: 'INT32' },
])
