// Draws media/icon.png (128x128): a Gantt timeline of four process lanes on a dark rounded tile.
// Plain Node (zlib) so it needs no image library: `node scripts/make-icon.js`.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const size = 128;
const pixels = Buffer.alloc(size * size * 4);

function fill(x0, y0, x1, y1, [r, g, b], radius = 0) {
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const dx = Math.max(x0 + radius - x - 0.5, 0, x + 0.5 - (x1 - radius));
      const dy = Math.max(y0 + radius - y - 0.5, 0, y + 0.5 - (y1 - radius));
      const outside = Math.hypot(dx, dy) - radius;
      const alpha = radius ? Math.min(1, Math.max(0, 0.5 - outside)) : 1;
      if (alpha <= 0) continue;
      const i = (y * size + x) * 4;
      const a0 = pixels[i + 3] / 255;
      pixels[i] = Math.round(r * alpha + pixels[i] * (1 - alpha));
      pixels[i + 1] = Math.round(g * alpha + pixels[i + 1] * (1 - alpha));
      pixels[i + 2] = Math.round(b * alpha + pixels[i + 2] * (1 - alpha));
      pixels[i + 3] = Math.round(255 * (alpha + a0 * (1 - alpha)));
    }
  }
}

fill(0, 0, size, size, [30, 30, 46], 22);
const colors = [
  [137, 180, 250],
  [166, 227, 161],
  [250, 179, 135],
  [203, 166, 247],
];
// [lane, start, end] in pixels; lanes overlap in time to say "parallel".
const bars = [
  [0, 16, 60],
  [0, 70, 112],
  [1, 28, 88],
  [2, 36, 64],
  [2, 74, 104],
  [3, 48, 96],
];
for (const [lane, start, end] of bars) {
  const top = 22 + lane * 23;
  fill(start, top, end, top + 15, colors[lane], 4);
}
fill(16, 112, 112, 114, [108, 112, 134]);

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(zlib.crc32(body), body.length + 4);
  return out;
}
const header = Buffer.alloc(13);
header.writeUInt32BE(size, 0);
header.writeUInt32BE(size, 4);
header.set([8, 6, 0, 0, 0], 8);
const rows = [];
for (let y = 0; y < size; y++) {
  rows.push(Buffer.from([0]), pixels.subarray(y * size * 4, (y + 1) * size * 4));
}
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
  chunk('IEND', Buffer.alloc(0)),
]);
fs.writeFileSync(path.join(__dirname, '../media/icon.png'), png);
