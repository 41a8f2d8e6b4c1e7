'use strict';
/**
 * Small helpers shared by the fake server modules: ids, timestamps, the clock, base64url, HMAC.
 */
const crypto = require('node:crypto');

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * True when `value` has the 8-4-4-4-12 hex shape (any version/variant, any case; contract §1).
 * @param {unknown} value
 * @returns {value is string}
 */
function isUuidShape(value) {
  return typeof value === 'string' && UUID_SHAPE.test(value);
}

/**
 * A request id as in the docs' example: `req_` + 16 lowercase hex digits (contract §13.1).
 * @returns {string}
 */
function newRequestId() {
  return 'req_' + crypto.randomBytes(8).toString('hex');
}

/**
 * ISO-8601 UTC, whole seconds, `Z` suffix (contract §1), e.g. `2026-06-07T14:21:09Z`.
 * @param {number} ms epoch milliseconds
 * @returns {string}
 */
function isoSeconds(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * A stable UUID-shaped id derived from a seed (used for user and organization ids, so that
 * `created_by` / `organization_id` are the same for the same account across restarts).
 * @param {string} seed
 * @returns {string}
 */
function uuidFromSeed(seed) {
  const h = crypto.createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** @param {string|Buffer} data @returns {string} */
function base64url(data) {
  return Buffer.from(data).toString('base64url');
}

/**
 * HMAC-SHA256 of `text`, base64url, cut to `length` characters.
 * @param {string|Buffer} secret
 * @param {string} text
 * @param {number} [length]
 * @returns {string}
 */
function hmac(secret, text, length = 22) {
  return crypto.createHmac('sha256', secret).update(text).digest('base64url').slice(0, length);
}

/** Constant-time string comparison. @param {string} a @param {string} b @returns {boolean} */
function safeEqual(a, b) {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
}

/**
 * @typedef {object} Clock
 * @property {() => string} tick  the timestamp for a new event (created_at / updated_at / completed_at)
 * @property {() => void} restart back to the start (fixed mode only)
 * @property {(on?: boolean) => void} hold while on, the fixed clock repeats its last stamp
 * @property {(now: (() => number) | null) => void} follow fixed mode: never stamp before this clock's second
 * @property {() => number} nextMs fixed mode: the time (ms) the next stamp will have at least
 * @property {'fixed'|'real'} mode
 */

/**
 * The clock that stamps resources.
 * [assumed] 'fixed' (the default): a logical clock starting at `start` that moves one second per
 * stamped event, so seeded items get distinct, strictly increasing `created_at` values and list order
 * is deterministic. 'real': wall-clock time in whole seconds (ties are then broken by id).
 * @param {'fixed'|'real'} [mode]
 * @param {string} [start] ISO timestamp of the first tick in fixed mode
 * @returns {Clock}
 */
function createClock(mode = 'fixed', start = '2026-01-01T00:00:00Z') {
  const startMs = Date.parse(start);
  if (Number.isNaN(startMs)) throw new TypeError(`clockStart is not a date: ${start}`);
  let next = startMs;
  // [assumed] test helper (trigger tests): while held, the fixed clock stamps every event with the
  // second it stamped last, as the real API does for events within one second.
  let held = false;
  // [assumed] test helper (simulated request clock): stamps keep up with the time the Date header
  // tells, as a real server's stamps and Date header come from one clock.
  /** @type {(() => number) | null} */
  let followed = null;
  return {
    mode,
    tick() {
      if (mode === 'real') return isoSeconds(Date.now());
      if (held && next > startMs) return isoSeconds(next - 1000);
      if (followed) next = Math.max(next, Math.floor(followed() / 1000) * 1000);
      const value = isoSeconds(next);
      next += 1000;
      return value;
    },
    restart() {
      next = startMs;
      held = false;
      followed = null;
    },
    follow(now) {
      followed = now;
    },
    nextMs() {
      return next;
    },
    hold(on = true) {
      held = on;
    },
  };
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep clone of plain JSON-like data (settings). RegExp/functions are not expected. */
function cloneJson(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** Escape text for XML content and attribute values. @param {string} s @returns {string} */
function xmlEscape(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
}

/** 32-bit FNV-1a hash of a string, for cheap deterministic variation. @param {string} s @returns {number} */
function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

module.exports = {
  ISO_SECONDS,
  isUuidShape,
  newRequestId,
  isoSeconds,
  uuidFromSeed,
  base64url,
  hmac,
  safeEqual,
  createClock,
  isPlainObject,
  cloneJson,
  xmlEscape,
  fnv1a,
};
