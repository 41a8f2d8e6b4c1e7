'use strict';
/**
 * A generic, created_at-ordered collection with cursor pagination (contract §11), shared by
 * diagrams and folders, and the opaque signed cursor codec.
 *
 * Records are kept in an array sorted OLDEST first by (created_at, id) so that the common case,
 * inserting the newest item, is a push. Pages are read from the end. `created_at` and `id` never
 * change, so a record's position is stable and found by binary search.
 */
const { base64url, hmac, safeEqual, ISO_SECONDS } = require('./util');

/**
 * Compare two (created_at, id) keys. ISO strings of one format order correctly as strings.
 * @returns {number} <0, 0, >0
 */
function compareKeys(aCreated, aId, bCreated, bId) {
  if (aCreated !== bCreated) return aCreated < bCreated ? -1 : 1;
  if (aId !== bId) return aId < bId ? -1 : 1;
  return 0;
}

/**
 * @template {{id: string, created_at: string}} T
 */
class SortedCollection {
  constructor() {
    /** @type {Map<string, T>} */
    this.byId = new Map();
    /** @type {T[]} oldest first */
    this.ascending = [];
  }

  /** @returns {number} */
  get size() {
    return this.ascending.length;
  }

  /** @param {string} id @returns {T|undefined} */
  get(id) {
    return this.byId.get(id);
  }

  /**
   * Index of the first record whose key is >= (createdAt, id).
   * @param {string} createdAt @param {string} id @returns {number}
   */
  lowerBound(createdAt, id) {
    let lo = 0;
    let hi = this.ascending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.ascending[mid];
      if (compareKeys(r.created_at, r.id, createdAt, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** @param {T} record */
  insert(record) {
    const last = this.ascending[this.ascending.length - 1];
    if (!last || compareKeys(last.created_at, last.id, record.created_at, record.id) < 0) {
      this.ascending.push(record);
    } else {
      this.ascending.splice(this.lowerBound(record.created_at, record.id), 0, record);
    }
    this.byId.set(record.id, record);
  }

  /** @param {string} id @returns {T|undefined} the removed record */
  remove(id) {
    const record = this.byId.get(id);
    if (!record) return undefined;
    this.ascending.splice(this.lowerBound(record.created_at, record.id), 1);
    this.byId.delete(id);
    return record;
  }

  /**
   * One page, newest first, of the records strictly older than `after` (or from the newest).
   * Works even when the `after` record has been deleted meanwhile.
   * @param {{created_at: string, id: string} | null} after
   * @param {number} limit
   * @returns {{items: T[], hasMore: boolean}}
   */
  pageNewestFirst(after, limit) {
    const end = after ? this.lowerBound(after.created_at, after.id) : this.ascending.length;
    const start = Math.max(0, end - limit);
    const items = this.ascending.slice(start, end).reverse();
    return { items, hasMore: start > 0 };
  }

  /** @returns {T[]} newest first */
  newestFirst() {
    return this.ascending.slice().reverse();
  }

  /** @returns {IterableIterator<T>} */
  values() {
    return this.byId.values();
  }
}

/**
 * @typedef {object} CursorCodec
 * @property {(list: string, record: {created_at: string, id: string}) => string} encode
 * @property {(list: string, cursor: string, ttlMs?: number|null) => ({created_at: string, id: string} | null)} decode
 *   null when the cursor is garbled, unsigned, for another list, or expired
 */

/**
 * Opaque cursors: base64url(JSON {list, created_at, id, iat}) + "." + HMAC signature.
 * [assumed] (contract §11 "Fake") cursors name the list they were minted for; a cursor from the other
 * list, a tampered one or one from another server instance is `invalid_cursor`. They expire only when
 * a test sets `settings.cursorTtlMs`.
 * @param {string|Buffer} secret
 * @returns {CursorCodec}
 */
function createCursorCodec(secret) {
  return {
    encode(list, record) {
      const payload = base64url(JSON.stringify({ list, created_at: record.created_at, id: record.id, iat: Date.now() }));
      return `${payload}.${hmac(secret, payload)}`;
    },
    decode(list, cursor, ttlMs) {
      const dot = cursor.indexOf('.');
      if (dot <= 0) return null;
      const payload = cursor.slice(0, dot);
      if (!safeEqual(cursor.slice(dot + 1), hmac(secret, payload))) return null;
      let data;
      try {
        data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        return null;
      }
      if (!data || data.list !== list || typeof data.id !== 'string') return null;
      if (typeof data.created_at !== 'string' || !ISO_SECONDS.test(data.created_at)) return null;
      if (ttlMs != null && Date.now() - Number(data.iat) > ttlMs) return null;
      return { created_at: data.created_at, id: data.id };
    },
  };
}

module.exports = { SortedCollection, createCursorCodec, compareKeys };
