'use strict';
/**
 * Real, valid images for the image endpoint (contract §7.7, §10): a PNG encoder (own CRC-32,
 * zlib for IDAT) and an SVG writer. The picture is a simple left-to-right flow (start event,
 * a few tasks, end event) whose colours depend on the theme and whose size depends on the name.
 */
const zlib = require('node:zlib');
const { xmlEscape, fnv1a } = require('./util');

// ---- CRC-32 (ISO-HDLC, as PNG uses), table-driven ----

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of a byte range.
 * @param {Uint8Array} bytes
 * @param {number} [crc] running value to continue from (default: start)
 * @returns {number} unsigned 32-bit
 */
function crc32(bytes, crc = 0) {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// ---- PNG ----

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** @param {string} type four ASCII letters @param {Buffer} data @returns {Buffer} */
function pngChunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4, 8))), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Encode an 8-bit RGB raster as PNG.
 * @param {number} width @param {number} height
 * @param {Buffer} rgb width*height*3 bytes, rows top to bottom
 * @param {Record<string,string>} [text] tEXt chunks (ASCII keyword → ASCII text)
 * @returns {Buffer}
 */
function encodePng(width, height, rgb, text = {}) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) rgb.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride); // filter byte 0
  const textChunks = Object.entries(text).map(([k, v]) => pngChunk('tEXt', Buffer.from(`${k}\0${v}`, 'latin1')));
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    ...textChunks,
    pngChunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- the picture ----

/** Theme colours, RGB hex. Light and dark differ in every role. */
const THEME_COLOURS = {
  light: { background: 'ffffff', stroke: '1f2933', fill: 'e8f0fe', accent: '2563eb', end: 'dc2626' },
  dark: { background: '1e1e1e', stroke: 'e6e6e6', fill: '2d3748', accent: '60a5fa', end: 'f87171' },
};

/**
 * Layout shared by PNG and SVG: canvas size and shapes, derived from the diagram name.
 * [assumed] Width grows with the name (up to 640 px, at least enough for the tasks), height is fixed;
 * 1–3 tasks depending on a hash of the name.
 * @param {string} name
 */
function layout(name) {
  const taskCount = 1 + (fnv1a(name) % 3);
  const fitsTasks = 80 + (taskCount + 1) * 80;
  const width = Math.max(fitsTasks, Math.min(640, 200 + name.length * 6));
  const height = 140;
  const cy = 70;
  const slot = (width - 80) / (taskCount + 1);
  const tasks = [];
  for (let i = 0; i < taskCount; i++) {
    const cx = 40 + slot * (i + 1);
    tasks.push({ x: Math.round(cx - 35), y: cy - 25, w: 70, h: 50 });
  }
  return { width, height, cy, start: { cx: 22, r: 12 }, end: { cx: width - 22, r: 12 }, tasks };
}

/** Mutable RGB raster with a few drawing primitives. */
class Raster {
  constructor(width, height) {
    this.width = width;
    this.height = height;
    this.data = Buffer.alloc(width * height * 3);
  }

  /** @param {string} hex */
  static rgb(hex) {
    return [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16)];
  }

  fillRect(x, y, w, h, hex) {
    const [r, g, b] = Raster.rgb(hex);
    const x0 = Math.max(0, x);
    const x1 = Math.min(this.width, x + w);
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const o = (yy * this.width + xx) * 3;
        this.data[o] = r;
        this.data[o + 1] = g;
        this.data[o + 2] = b;
      }
    }
  }

  strokeRect(x, y, w, h, hex) {
    this.fillRect(x, y, w, 2, hex);
    this.fillRect(x, y + h - 2, w, 2, hex);
    this.fillRect(x, y, 2, h, hex);
    this.fillRect(x + w - 2, y, 2, h, hex);
  }

  disc(cx, cy, r, hex) {
    const [red, g, b] = Raster.rgb(hex);
    for (let y = cy - r; y <= cy + r; y++) {
      for (let x = cx - r; x <= cx + r; x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 > r * r || x < 0 || y < 0 || x >= this.width || y >= this.height) continue;
        const o = (y * this.width + x) * 3;
        this.data[o] = red;
        this.data[o + 1] = g;
        this.data[o + 2] = b;
      }
    }
  }
}

/**
 * A PNG picture of a diagram.
 * @param {{name: string}} diagram
 * @param {'light'|'dark'} theme
 * @returns {Buffer}
 */
function renderPng(diagram, theme) {
  const c = THEME_COLOURS[theme];
  const l = layout(diagram.name);
  const img = new Raster(l.width, l.height);
  img.fillRect(0, 0, l.width, l.height, c.background);
  img.fillRect(l.start.cx, l.cy - 1, l.end.cx - l.start.cx, 2, c.stroke); // the sequence flow line
  img.disc(l.start.cx, l.cy, l.start.r, c.accent);
  img.disc(l.end.cx, l.cy, l.end.r, c.end);
  for (const t of l.tasks) {
    img.fillRect(t.x, t.y, t.w, t.h, c.fill);
    img.strokeRect(t.x, t.y, t.w, t.h, c.stroke);
  }
  const title = diagram.name.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  return encodePng(l.width, l.height, img.data, { Title: title, Software: 'Just Flow It (fake)' });
}

/**
 * An SVG picture of a diagram, with the name in <title> and the theme's colours.
 * @param {{name: string}} diagram
 * @param {'light'|'dark'} theme
 * @returns {Buffer}
 */
function renderSvg(diagram, theme) {
  const c = THEME_COLOURS[theme];
  const l = layout(diagram.name);
  const tasks = l.tasks
    .map(
      (t, i) =>
        `  <rect x="${t.x}" y="${t.y}" width="${t.w}" height="${t.h}" rx="8" fill="#${c.fill}" stroke="#${c.stroke}" stroke-width="2"/>\n` +
        `  <text x="${t.x + t.w / 2}" y="${l.cy + 4}" text-anchor="middle" font-family="sans-serif" font-size="11" fill="#${c.stroke}">Task ${i + 1}</text>\n`,
    )
    .join('');
  const svg =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" data-theme="${theme}">\n` +
    `  <title>${xmlEscape(diagram.name)}</title>\n` +
    `  <rect width="100%" height="100%" fill="#${c.background}"/>\n` +
    `  <line x1="${l.start.cx}" y1="${l.cy}" x2="${l.end.cx}" y2="${l.cy}" stroke="#${c.stroke}" stroke-width="2"/>\n` +
    `  <circle cx="${l.start.cx}" cy="${l.cy}" r="${l.start.r}" fill="#${c.accent}"/>\n` +
    tasks +
    `  <circle cx="${l.end.cx}" cy="${l.cy}" r="${l.end.r}" fill="#${c.end}" stroke="#${c.stroke}" stroke-width="3"/>\n` +
    `</svg>\n`;
  return Buffer.from(svg, 'utf8');
}

const MIME_BY_FORMAT = { png: 'image/png', svg: 'image/svg+xml' };

/**
 * Render in the requested format.
 * @param {{name: string}} diagram @param {'light'|'dark'} theme @param {'png'|'svg'} format
 * @returns {{bytes: Buffer, contentType: string}}
 */
function renderImage(diagram, theme, format) {
  const bytes = format === 'svg' ? renderSvg(diagram, theme) : renderPng(diagram, theme);
  return { bytes, contentType: MIME_BY_FORMAT[format] };
}

module.exports = { crc32, encodePng, renderPng, renderSvg, renderImage, PNG_SIGNATURE, THEME_COLOURS };
