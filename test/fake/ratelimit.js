'use strict';
/**
 * The per-key burst limit (contract §12) and the Retry-After header formats.
 */
const { ApiError } = require('./errors');

/** The documented numbers, used for the headers when the limit is switched off. */
const DOC_BURST = { limit: 120, windowMs: 60000 };

/**
 * @typedef {{ limit: number, windowMs: number }} BurstSettings
 * @typedef {{ allowed: boolean, limit: number, remaining: number, resetSeconds: number }} BurstResult
 */

/**
 * [assumed] A fixed window per key that starts with the key's first request. A rejected request
 * does not count. RateLimit-Reset is the delta in seconds to the window's end (at least 1).
 */
class BurstLimiter {
  constructor() {
    /** @type {Map<string, {start: number, count: number}>} */
    this.windows = new Map();
  }

  /**
   * Count one request for `key`.
   * [assumed] When the limit is off (`settings` null) every request is allowed and the headers still
   * show the documented limit with nothing used (Remaining = Limit), so clients never back off.
   * @param {string} key @param {BurstSettings|null} settings @param {number} nowMs
   * @returns {BurstResult}
   */
  hit(key, settings, nowMs) {
    if (!settings) {
      return { allowed: true, limit: DOC_BURST.limit, remaining: DOC_BURST.limit, resetSeconds: DOC_BURST.windowMs / 1000 };
    }
    let w = this.windows.get(key);
    if (!w || nowMs >= w.start + settings.windowMs) {
      w = { start: nowMs, count: 0 };
      this.windows.set(key, w);
    }
    const resetSeconds = Math.max(1, Math.ceil((w.start + settings.windowMs - nowMs) / 1000));
    if (w.count >= settings.limit) return { allowed: false, limit: settings.limit, remaining: 0, resetSeconds };
    w.count++;
    return { allowed: true, limit: settings.limit, remaining: settings.limit - w.count, resetSeconds };
  }

  clear() {
    this.windows.clear();
  }
}

/** @param {BurstResult} r @returns {Record<string,string>} */
function rateLimitHeaders(r) {
  return {
    'RateLimit-Limit': String(r.limit),
    'RateLimit-Remaining': String(r.remaining),
    'RateLimit-Reset': String(r.resetSeconds),
  };
}

/**
 * The Retry-After header in the form a test asked for: integer seconds ([assumed] the real form),
 * an HTTP-date, or none at all.
 * @param {number} seconds @param {'seconds'|'http-date'|'none'} mode @param {number} nowMs
 * @returns {Record<string,string>}
 */
function retryAfterHeader(seconds, mode, nowMs) {
  if (mode === 'none') return {};
  if (mode === 'http-date') return { 'Retry-After': new Date(nowMs + seconds * 1000).toUTCString() };
  return { 'Retry-After': String(seconds) };
}

/**
 * The 429 for a burst-limited request.
 * @param {BurstResult} r @param {'seconds'|'http-date'|'none'} mode @param {number} nowMs
 */
function burstExceeded(r, mode, nowMs) {
  return new ApiError(
    429,
    'rate_limit_exceeded',
    `Rate limit exceeded: at most ${r.limit} requests per window for this API key. Retry after ${r.resetSeconds} seconds.`,
    undefined,
    retryAfterHeader(r.resetSeconds, mode, nowMs),
  );
}

module.exports = { BurstLimiter, rateLimitHeaders, retryAfterHeader, burstExceeded, DOC_BURST };
