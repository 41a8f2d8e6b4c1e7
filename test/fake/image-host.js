'use strict';
/**
 * The second loopback server: a stand-in for a CDN / signed storage host. The image endpoint's
 * 'redirect' and 'json' modes (and optionally a generation's image_url) point here. It needs no
 * auth and records every request, so tests can check that no `authorization` header leaked to it.
 */
const http = require('node:http');
const { renderImage } = require('./image');
const { hmac, safeEqual } = require('./util');
const { parseTarget, plainHeaders, listen } = require('./http-util');

/**
 * @typedef {object} ImageHostRequest
 * @property {string} method
 * @property {string} url    path and query as received
 * @property {Record<string,string>} headers lower-cased names (check `authorization` here)
 * @property {number|null} status
 * @property {number} at     ms timestamp
 */

const RENDER_CACHE_MAX = 500;

class ImageHost {
  /**
   * @param {object} o
   * @param {string} o.secret signs URLs
   * @param {(dataSetId: string, diagramId: string) => ({id: string, name: string} | undefined)} o.findDiagram
   */
  constructor({ secret, findDiagram }) {
    this.secret = secret;
    this.findDiagram = findDiagram;
    /** @type {ImageHostRequest[]} */
    this.requests = [];
    /** @type {Map<string, {bytes: Buffer, contentType: string}>} */
    this.cache = new Map();
    this.origin = '';
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  /** @param {number} port @returns {Promise<number>} the bound port */
  async start(port) {
    const bound = await listen(this.server, port);
    this.origin = `http://127.0.0.1:${bound}`;
    return bound;
  }

  /**
   * Render with a small cache (benchmarks fetch the same images repeatedly). Used by the API too.
   * @param {{id: string, name: string}} d @param {'light'|'dark'} theme @param {'png'|'svg'} format
   */
  render(d, theme, format) {
    const key = `${d.id}|${theme}|${format}|${d.name}`;
    let image = this.cache.get(key);
    if (!image) {
      if (this.cache.size >= RENDER_CACHE_MAX) this.cache.clear();
      image = renderImage(d, theme, format);
      this.cache.set(key, image);
    }
    return image;
  }

  /** @param {string} dsId @param {string} diagramId @param {string} theme @param {string} format */
  signature(dsId, diagramId, theme, format) {
    return hmac(this.secret, `img:${dsId}/${diagramId}.${format}/${theme}`);
  }

  /**
   * A URL for a diagram's image. [assumed] signed like a storage URL; it never expires.
   * @param {string} dsId @param {string} diagramId @param {string} theme @param {string} format
   */
  url(dsId, diagramId, theme, format) {
    return `${this.origin}/img/${dsId}/${diagramId}.${format}?theme=${theme}&sig=${this.signature(dsId, diagramId, theme, format)}`;
  }

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  handle(req, res) {
    const { path, query } = parseTarget(req.url);
    /** @type {ImageHostRequest} */
    const entry = { method: req.method || 'GET', url: req.url || '/', headers: plainHeaders(req.headers), status: null, at: Date.now() };
    this.requests.push(entry);
    const reply = (status, body, type = 'text/plain; charset=utf-8') => {
      entry.status = status;
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'private, max-age=300' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, Buffer.from('Method not allowed\n'));
    const m = /^\/img\/([A-Za-z0-9_-]+)\/([0-9a-f-]{36})\.(png|svg)$/.exec(path);
    const theme = query.theme === 'dark' ? 'dark' : 'light';
    if (!m || !safeEqual(String(query.sig || ''), this.signature(m[1], m[2], theme, m[3]))) {
      return reply(403, Buffer.from('Forbidden: invalid or missing signature\n'));
    }
    const d = this.findDiagram(m[1], m[2]);
    if (!d) return reply(404, Buffer.from('Not found\n'));
    const image = this.render(d, theme, /** @type {'png'|'svg'} */ (m[3]));
    reply(200, image.bytes, image.contentType);
  }

  clear() {
    this.requests.length = 0;
    this.cache.clear();
  }
}

module.exports = { ImageHost };
