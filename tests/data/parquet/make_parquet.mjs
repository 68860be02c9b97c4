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

// Nulls to fill (--fill-missing): a double and an int column with nulls across row groups. Beside it the features the
// fill modes give, computed here: zero, mean (the column's sum over its values in row order, over their count) and 2.5.
const x = a.map((v, i) => (i % 9 === 3 ? null : v))
const k = c.map((v, i) => (i % 11 === 7 ? null : v % 1000))
const mean = col => {
  let sum = 0, count = 0
  for (const v of col) if (v !== null) { sum += v; count++ }
  return sum / count
}
const filled = (fx, fk) => range(rows).flatMap(i => [x[i] ?? fx, k[i] ?? fk])
save('fill', [
  { name: 'x', data: x, type: 'DOUBLE' },
  { name: 'k', data: k, type: 'INT32' },
  { name: 'label', data: label, type: 'INT32' },
], [...filled(0, 0), ...filled(mean(x), mean(k)), ...filled(2.5, 2.5), ...label])

// Categorical string columns hashed (--categorical city,color --hash-bits 6 --fill-missing zero): MurmurHash3_x86_32
// (seed 0) of the UTF-8 bytes of "x", "city=..." and "color=...", implemented here apart from MpiDescent's. Beside it
// each row's 64 hashed features (values sharing a feature added), then the labels.
function murmur3(bytes) {
  const c1 = 0xcc9e2d51, c2 = 0x1b873593
  let h = 0
  const blocks = Math.floor(bytes.length / 4)
  for (let i = 0; i < blocks; i++) {
    let k1 = bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24)
    k1 = Math.imul(k1, c1); k1 = (k1 << 15) | (k1 >>> 17); k1 = Math.imul(k1, c2)
    h ^= k1; h = (h << 13) | (h >>> 19); h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  let k1 = 0
  const tail = bytes.length & 3, at = 4 * blocks
  if (tail >= 3) k1 ^= bytes[at + 2] << 16
  if (tail >= 2) k1 ^= bytes[at + 1] << 8
  if (tail >= 1) {
    k1 ^= bytes[at]; k1 = Math.imul(k1, c1); k1 = (k1 << 15) | (k1 >>> 17); k1 = Math.imul(k1, c2); h ^= k1
  }
  h ^= bytes.length
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16
  return h >>> 0
}
const feature = text => murmur3(new TextEncoder().encode(text)) & 63
const cities = ['Oslo', 'Lima', 'Pune', 'Kraków', 'Quito']
const city = range(rows).map(i => (i % 8 === 5 ? null : cities[Math.floor(random() * cities.length)]))
const color = range(rows).map(() => (random() < 0.5 ? 'red' : 'blue'))
const hashed = range(rows).flatMap(i => {
  const row = new Array(64).fill(0)
  row[feature('x')] += a[i]
  if (city[i] !== null) row[feature(`city=${city[i]}`)] += 1
  row[feature(`color=${color[i]}`)] += 1
  return row
})
save('categorical', [
  { name: 'x', data: a, type: 'DOUBLE' },
  { name: 'city', data: city, type: 'STRING' },
  { name: 'color', data: color, type: 'STRING', nullable: false },
  { name: 'label', data: label, type: 'INT32' },
], [...hashed, ...label])

// Lists in version 2 data pages, which hyparquet-writer writes and Parquet.Net 6.1 does not read: the error must say so.
writeFileSync('list-v2.parquet', Buffer.from(parquetWriteBuffer({
  schema: [
    { name: 'root', num_children: 3 },
    { name: 'indices', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 'values', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'DOUBLE', repetition_type: 'REQUIRED' },
    { name: 'label', type: 'INT32', repetition_type: 'REQUIRED' },
  ],
  columnData: [
    { name: 'indices', data: [[0, 5], [], [2]] },
    { name: 'values', data: [[1.5, 2], [], [3]] },
    { name: 'label', data: [1, 0, 1] },
  ],
  createdBy: 'hyparquet-writer 0.17.0 (MpiDescent tests)',
})))
