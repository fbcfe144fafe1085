/**
 * Draws the two Teams app icons with nothing but node:zlib:
 *   appPackage/color.png    192×192, white headset around a chat bubble on the brand colour
 *   appPackage/outline.png   32×32, the same glyph in white on a transparent background
 *
 * Shapes are signed distance functions sampled 4×4 per pixel for anti-aliasing.
 * The outline icon only ever writes white pixels with varying alpha, as Teams requires.
 *
 * Usage: npm run icons
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';

/** Must match `accentColor` in appPackage/manifest.json. */
export const BRAND_COLOR = '#1F5FAD';

type Rgb = readonly [number, number, number];
/** Signed distance in glyph units (a 192-unit square): negative inside, positive outside. */
type Shape = (x: number, y: number) => number;

const WHITE: Rgb = [255, 255, 255];

// ── PNG encoding (RGBA, 8 bits per channel, filter 0 on every row) ────────────

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  typeAndData.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return out;
}

/** Encodes straight (non-premultiplied) RGBA pixels, row-major, 4 bytes per pixel. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) {
    throw new Error(`encodePng: expected ${width * height * 4} bytes of RGBA, got ${rgba.length}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: truecolour with alpha
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace

  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type "None"
    raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }

  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

// ── Shapes ─────────────────────────────────────────────────────────────────────

const circle =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    Math.hypot(x - cx, y - cy) - r;

/** Rounded rectangle given by its centre, half extents and corner radius. */
const roundedBox =
  (cx: number, cy: number, hw: number, hh: number, r: number): Shape =>
  (x, y) => {
    const qx = Math.abs(x - cx) - hw + r;
    const qy = Math.abs(y - cy) - hh + r;
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
  };

/** Circular arc stroke with round caps, from angle a0 to a1 (radians, y axis pointing down). */
const arcStroke =
  (cx: number, cy: number, r: number, a0: number, a1: number, width: number): Shape =>
  (x, y) => {
    let a = Math.atan2(y - cy, x - cx);
    while (a < a0) a += 2 * Math.PI;
    if (a <= a1) return Math.abs(Math.hypot(x - cx, y - cy) - r) - width / 2;
    const d0 = Math.hypot(x - (cx + r * Math.cos(a0)), y - (cy + r * Math.sin(a0)));
    const d1 = Math.hypot(x - (cx + r * Math.cos(a1)), y - (cy + r * Math.sin(a1)));
    return Math.min(d0, d1) - width / 2;
  };

/** Filled triangle (exact distance not needed: only the sign and a rough edge width matter). */
const triangle =
  (ax: number, ay: number, bx: number, by: number, cx: number, cy: number): Shape =>
  (x, y) => {
    const edge = (px: number, py: number, qx: number, qy: number): number => {
      const ex = qx - px;
      const ey = qy - py;
      return ((x - px) * ey - (y - py) * ex) / Math.hypot(ex, ey);
    };
    const orientation = Math.sign((bx - ax) * (cy - ay) - (by - ay) * (cx - ax));
    return Math.max(
      orientation * edge(ax, ay, bx, by),
      orientation * edge(bx, by, cx, cy),
      orientation * edge(cx, cy, ax, ay),
    );
  };

const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    Math.min(...shapes.map((s) => s(x, y)));

const subtract =
  (base: Shape, hole: Shape): Shape =>
  (x, y) =>
    Math.max(base(x, y), -hole(x, y));

/** Shapes scaled from the 192-unit design grid to a canvas of `size` pixels. */
function scaled(shape: Shape, size: number): Shape {
  const k = 192 / size;
  return (x, y) => shape(x * k, y * k) / k;
}

// ── The glyph, designed on a 192×192 grid ─────────────────────────────────────

function headset(stroke: number): Shape {
  const band = arcStroke(96, 100, 54, Math.PI * 1.05, Math.PI * 1.95, stroke);
  const leftCup = roundedBox(42, 116, 15, 26, 11);
  const rightCup = roundedBox(150, 116, 15, 26, 11);
  const boom = arcStroke(118, 124, 32, Math.PI * 0.08, Math.PI * 0.5, stroke * 0.75);
  const mic = roundedBox(110, 156, 12, 7, 7);
  return union(band, leftCup, rightCup, boom, mic);
}

function bubble(): Shape {
  const body = roundedBox(96, 102, 31, 22, 11);
  const tail = triangle(74, 116, 90, 122, 70, 138);
  return union(body, tail);
}

function bubbleDots(): Shape {
  return union(circle(80, 102, 5.5), circle(96, 102, 5.5), circle(112, 102, 5.5));
}

// ── Rasterising ──────────────────────────────────────────────────────────────

const SAMPLES = 4;

/** Fraction of the pixel (px, py) that lies inside `shape`, by 4×4 supersampling. */
function coverage(shape: Shape, px: number, py: number): number {
  let inside = 0;
  for (let sy = 0; sy < SAMPLES; sy++) {
    for (let sx = 0; sx < SAMPLES; sx++) {
      if (shape(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES) <= 0) inside++;
    }
  }
  return inside / (SAMPLES * SAMPLES);
}

function parseHex(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m?.[1] || !m[2] || !m[3]) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** Full-colour icon: opaque brand background, white headset and bubble, brand-coloured dots. */
export function drawColorIcon(size = 192): Buffer {
  const brand = parseHex(BRAND_COLOR);
  const white = scaled(union(headset(13), bubble()), size);
  const dots = scaled(bubbleDots(), size);
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const w = coverage(white, x, y);
      const d = coverage(dots, x, y);
      const i = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) {
        const over = (brand[c] ?? 0) * (1 - w) + (WHITE[c] ?? 255) * w;
        rgba[i + c] = Math.round(over * (1 - d) + (brand[c] ?? 0) * d);
      }
      rgba[i + 3] = 255;
    }
  }
  return encodePng(size, size, rgba);
}

/** Outline icon: white only, transparent background; the bubble is drawn as a ring so it reads at 32 px. */
export function drawOutlineIcon(size = 32): Buffer {
  const ring = subtract(bubble(), roundedBox(96, 102, 21, 12, 5));
  const glyph = scaled(union(headset(16), ring), size);
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      rgba[i] = 255;
      rgba[i + 1] = 255;
      rgba[i + 2] = 255;
      rgba[i + 3] = Math.round(coverage(glyph, x, y) * 255);
    }
  }
  return encodePng(size, size, rgba);
}

export function writeIcons(appPackageDir: string): { color: string; outline: string } {
  mkdirSync(appPackageDir, { recursive: true });
  const color = join(appPackageDir, 'color.png');
  const outline = join(appPackageDir, 'outline.png');
  writeFileSync(color, drawColorIcon());
  writeFileSync(outline, drawOutlineIcon());
  return { color, outline };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const appPackageDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'appPackage');
  const written = writeIcons(appPackageDir);
  process.stdout.write(`wrote ${written.color}\nwrote ${written.outline}\n`);
}
