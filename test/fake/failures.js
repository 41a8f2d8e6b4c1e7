'use strict';
/**
 * Failure injection: canned answers (or dropped / hanging connections) that tests queue up and the
 * server uses before any normal handling (no auth, no rate limit, no routing).
 */
const { envelope, DEFAULT_CODE_BY_STATUS, DEFAULT_MESSAGE_BY_STATUS } = require('./errors');

/**
 * @typedef {object} FailureSpec
 * @property {string} [method]       e.g. 'GET'; any method when omitted
 * @property {string|RegExp} [path] the path without query; a string matches exactly. [convenience] a
 *   string that does not start with `/api/` is taken relative to `/api/v1` (`'/diagrams'` = `/api/v1/diagrams`)
 * @property {number} [times]        how many matching requests it applies to (default 1; Infinity = until cleared)
 * @property {number} [skip]         let this many matching requests through first (default 0), e.g. `skip: 1`
 *   fails the second page of a list walk
 * @property {number} [status]       default 500
 * @property {string|object} [body]  string = sent raw (e.g. an HTML 502 page), object = JSON;
 *   omitted = the standard error envelope for `status` (with `code`/`message`), request_id = X-Request-Id
 * @property {string} [code]         envelope code when `body` is omitted (default per status)
 * @property {string} [message]      envelope message when `body` is omitted
 * @property {Record<string, string|number|null>} [headers] extra headers; null removes a default header
 *   (e.g. `{'X-Request-Id': null}`)
 * @property {'respond'|'destroy'|'hang'|'cut-off'|'trickle'|'endless'} [action] 'destroy' drops the socket, 'hang' never
 *   answers (until close), 'cut-off' sends the headers and half the body then drops the socket,
 *   'trickle' sends the headers and then the body one byte every `intervalMs`, 'endless' sends the
 *   headers (no Content-Length) and then the body over and over, as fast as the client reads, until
 *   the client gives up
 * @property {number} [intervalMs]   'trickle': milliseconds between bytes (default 50)
 * @property {number} [delayMs]      wait this long before responding (action 'respond')
 * @property {Record<string, string|RegExp|boolean>} [query] only requests whose query matches: a
 *   string exactly, a RegExp by test, `true` = present, `false` = absent (e.g. `{cursor: true}`
 *   fails a later page of a list and not the first)
 */

/**
 * @typedef {object} FailureHandle
 * @property {() => number} remaining  how many uses are left
 * @property {() => void} cancel       remove it
 */

/** @param {string|RegExp|undefined} path */
function normalisePath(path) {
  if (path === undefined || path instanceof RegExp) return path;
  if (typeof path !== 'string') throw new TypeError('injectFailure: path must be a string or RegExp');
  return path.startsWith('/api/') ? path : '/api/v1' + (path.startsWith('/') ? path : '/' + path);
}

/** True when every key of `pattern` matches the request's query (see FailureSpec.query). */
function queryMatches(pattern, query) {
  if (!pattern) return true;
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = query?.[key];
    if (expected === true) return actual !== undefined;
    if (expected === false) return actual === undefined;
    if (expected instanceof RegExp) return actual !== undefined && expected.test(String(actual));
    return actual === String(expected);
  });
}

/**
 * True when `path` matches a string (exact) or RegExp.
 * @param {string|RegExp|undefined} pattern @param {string} path
 */
function pathMatches(pattern, path) {
  if (pattern === undefined) return true;
  if (pattern instanceof RegExp) {
    pattern.lastIndex = 0;
    return pattern.test(path);
  }
  return pattern === path;
}

class FailureInjector {
  constructor() {
    /** @type {(FailureSpec & {status: number, left: number})[]} */
    this.queue = [];
  }

  /** @param {FailureSpec} spec @returns {FailureHandle} */
  add(spec = {}) {
    const action = spec.action ?? 'respond';
    if (!['respond', 'destroy', 'hang', 'cut-off', 'trickle', 'endless'].includes(action)) throw new TypeError(`injectFailure: unknown action ${action}`);
    const entry = {
      ...spec,
      action,
      method: spec.method?.toUpperCase(),
      path: normalisePath(spec.path),
      status: spec.status ?? 500,
      left: spec.times ?? 1,
    };
    this.queue.push(entry);
    return {
      remaining: () => entry.left,
      cancel: () => {
        entry.left = 0;
        this.queue = this.queue.filter((e) => e !== entry);
      },
    };
  }

  /**
   * Take the first matching failure for a request (consuming one use), or null.
   * @param {string} method @param {string} path @param {Record<string, string>} [query]
   */
  take(method, path, query) {
    const entry = this.queue.find(
      (e) => (!e.method || e.method === method) && pathMatches(e.path, path) && queryMatches(e.query, query),
    );
    if (!entry) return null;
    if (entry.skip > 0) {
      entry.skip--;
      return null;
    }
    entry.left--;
    if (entry.left <= 0) this.queue = this.queue.filter((e) => e !== entry);
    return entry;
  }

  clear() {
    this.queue = [];
  }
}

/**
 * The response for a 'respond' failure. Headers from the spec are applied last by the server
 * (case-insensitively; null removes a default such as X-Request-Id).
 * @param {FailureSpec & {status: number}} f @param {string} requestId
 * @returns {{status: number, json?: unknown, body?: string, headers: Record<string, any>}}
 */
function failureResponse(f, requestId) {
  const status = f.status;
  /** @type {Record<string, any>} */
  const headers = {};
  let response;
  if (f.body === undefined) {
    const code = f.code ?? DEFAULT_CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'invalid_request');
    const message = f.message ?? DEFAULT_MESSAGE_BY_STATUS[status] ?? `HTTP ${status}`;
    // [assumed] injected 429s and 503s say when to retry (1 s), as real ones do; 401s carry WWW-Authenticate.
    if (status === 429 || status === 503) headers['Retry-After'] = '1';
    if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
    response = { status, json: envelope({ status, code, message }, requestId) };
  } else if (typeof f.body === 'string') {
    headers['Content-Type'] = f.body.trimStart().startsWith('<') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
    response = { status, body: f.body };
  } else {
    response = { status, json: f.body };
  }
  Object.assign(headers, f.headers);
  return { ...response, headers };
}

module.exports = { FailureInjector, failureResponse, normalisePath, pathMatches };
