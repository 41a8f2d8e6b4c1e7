'use strict';
/**
 * Plain HTTP helpers shared by the API server and the image host.
 */
/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').IncomingHttpHeaders} IncomingHttpHeaders */

/** @param {string|undefined} raw @returns {{path: string, query: Record<string,string>}} */
function parseTarget(raw) {
  const url = new URL(raw || '/', 'http://fake.invalid');
  /** @type {Record<string,string>} */
  const query = {};
  for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
  return { path: url.pathname, query };
}

/** @param {IncomingHttpHeaders} h @returns {Record<string,string>} */
function plainHeaders(h) {
  /** @type {Record<string,string>} */
  const out = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * Read the whole body; keep at most `max + 1` bytes (the rest is drained), parse JSON eagerly.
 * @param {IncomingMessage} req @param {number} max
 * @returns {Promise<{text: string, tooLarge: boolean, json?: unknown, jsonError?: string}>}
 */
function readBody(req, max) {
  return new Promise((resolve) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let kept = 0;
    let total = 0;
    req.on('data', (chunk) => {
      total += chunk.length;
      if (kept <= max) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    });
    const finish = () => {
      const text = Buffer.concat(chunks).subarray(0, max + 1).toString('utf8');
      const result = { text, tooLarge: total > max };
      if (!result.tooLarge && text.trim()) {
        try {
          result.json = JSON.parse(text);
        } catch (e) {
          result.jsonError = /** @type {Error} */ (e).message;
        }
      }
      resolve(result);
    };
    req.on('end', finish);
    req.on('error', finish);
    req.on('aborted', finish);
  });
}

/** Listen on 127.0.0.1. @param {import('node:http').Server} server @param {number} port @returns {Promise<number>} */
function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(/** @type {import('node:net').AddressInfo} */ (server.address()).port);
    });
  });
}

module.exports = { parseTarget, plainHeaders, readBody, listen };
