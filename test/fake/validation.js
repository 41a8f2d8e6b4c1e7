'use strict';
/**
 * Parameter validation (check-order step 7, contract §13.4): body schemas for the write endpoints
 * and query parsing for `limit`, `theme`, `format`.
 *
 * A schema maps each documented field to `{ required?, validate }`. `validate(value, param)` returns
 * the normalised value or throws an ApiError. Only the first failing parameter is reported.
 */
const { isUuidShape, isPlainObject } = require('./util');
const { missingParameter, invalidParameter, invalidJson } = require('./errors');

/**
 * @typedef {{ required?: boolean, validate: (value: unknown, param: string) => unknown }} FieldSpec
 * @typedef {Record<string, FieldSpec>} Schema
 */

// [assumed] length limits (contract §16.18): names 1–255 after trimming, context ≤ 4,000,
// prompt 1–10,000 characters.
const NAME_MAX = 255;
const CONTEXT_MAX = 4000;
const PROMPT_MAX = 10000;

/**
 * A display name: a string, 1–255 characters after trimming. [assumed] stored trimmed.
 * @param {unknown} value @param {string} param @returns {string}
 */
function nameValue(value, param) {
  if (typeof value !== 'string') throw invalidParameter(param, `${param} must be a string.`);
  const trimmed = value.trim();
  if (!trimmed) throw invalidParameter(param, `${param} must not be blank.`);
  if (trimmed.length > NAME_MAX) throw invalidParameter(param, `${param} must be at most ${NAME_MAX} characters.`);
  return trimmed;
}

/**
 * A referenced id or null. [assumed] a non-UUID is 400 invalid_parameter (§7.2 "malformed folder_id"),
 * an unknown UUID is 404 later (step 8). Ids are compared lowercased.
 * @param {unknown} value @param {string} param @returns {string|null}
 */
function nullableId(value, param) {
  if (value === null) return null;
  if (!isUuidShape(value)) throw invalidParameter(param, `${param} must be a folder id (UUID) or null.`);
  return value.toLowerCase();
}

/**
 * Free text or null, at most `max` characters. [assumed] kept verbatim (not trimmed).
 * @param {number} max
 * @returns {(value: unknown, param: string) => string|null}
 */
function nullableText(max) {
  return (value, param) => {
    if (value === null) return null;
    if (typeof value !== 'string') throw invalidParameter(param, `${param} must be a string or null.`);
    if (value.length > max) throw invalidParameter(param, `${param} must be at most ${max} characters.`);
    return value;
  };
}

/**
 * One of a fixed set of strings, case-sensitive ([assumed] `Dark` is rejected, contract §7.7).
 * @param {string[]} allowed
 * @returns {(value: unknown, param: string) => string}
 */
function oneOf(allowed) {
  return (value, param) => {
    if (typeof value !== 'string' || !allowed.includes(value)) {
      throw invalidParameter(param, `Invalid value for ${param}: must be one of ${allowed.map((a) => `'${a}'`).join(', ')}.`);
    }
    return value;
  };
}

/** `bpmn_xml` must be a string; whether it is BPMN is checked later (422, step 9). */
function xmlString(value, param) {
  if (typeof value !== 'string') throw invalidParameter(param, `${param} must be a string containing a BPMN 2.0 XML document.`);
  return value;
}

/** The generation prompt: 1–10,000 characters; blank is invalid_parameter (contract §7.8). */
function promptValue(value, param) {
  if (typeof value !== 'string') throw invalidParameter(param, `${param} must be a string.`);
  if (!value.trim()) throw invalidParameter(param, `${param} must not be blank.`);
  if (value.length > PROMPT_MAX) throw invalidParameter(param, `${param} must be at most ${PROMPT_MAX} characters.`);
  return value;
}

/** Makes a validator accept null as "not given". */
function orNull(validate) {
  return (value, param) => (value === null ? null : validate(value, param));
}

const THEMES = ['light', 'dark'];
const FORMATS = ['png', 'svg'];

/** @type {Record<string, Schema>} */
const SCHEMAS = {
  diagramCreate: {
    name: { required: true, validate: nameValue },
    bpmn_xml: { required: true, validate: xmlString },
    folder_id: { validate: nullableId },
  },
  // [assumed] PATCH changes only name and folder_id (contract §16.5); bpmn_xml is an unknown field.
  diagramUpdate: {
    name: { validate: nameValue },
    folder_id: { validate: nullableId },
  },
  folderCreate: {
    name: { required: true, validate: nameValue },
    parent_id: { validate: nullableId },
    context: { validate: nullableText(CONTEXT_MAX) },
  },
  folderUpdate: {
    name: { validate: nameValue },
    parent_id: { validate: nullableId },
    context: { validate: nullableText(CONTEXT_MAX) },
  },
  generate: {
    prompt: { required: true, validate: promptValue },
    folder_id: { validate: nullableId },
    theme: { validate: oneOf(THEMES) },
    format: { validate: oneOf(FORMATS) },
    // [assumed] name: null means "let the service pick one".
    name: { validate: orNull(nameValue) },
  },
};

/**
 * Validate a parsed JSON body against a schema. Documented fields are checked in schema order,
 * then unknown fields ([assumed] 400 invalid_parameter naming the field, contract §16.17).
 * @param {unknown} body
 * @param {Schema} schema
 * @returns {Record<string, unknown>} only the fields that were present, normalised
 */
function parseBody(body, schema) {
  if (!isPlainObject(body)) throw invalidJson('The request body must be a JSON object.');
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [param, spec] of Object.entries(schema)) {
    if (!Object.prototype.hasOwnProperty.call(body, param)) {
      if (spec.required) throw missingParameter(param);
      continue;
    }
    out[param] = spec.validate(body[param], param);
  }
  for (const key of Object.keys(body)) {
    if (!Object.prototype.hasOwnProperty.call(schema, key)) throw invalidParameter(key, `Unknown parameter: ${key}.`);
  }
  return out;
}

/**
 * `limit`: an integer in 1..max, default `def`. [assumed] out of range or non-integer is rejected with
 * 400 invalid_parameter, never clamped (contract §16.19). An empty value (`limit=`) is invalid too.
 * @param {string|undefined} raw
 * @param {{defaultLimit: number, maxLimit: number}} paging
 * @returns {number}
 */
function parseLimit(raw, paging) {
  if (raw === undefined) return paging.defaultLimit;
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= paging.maxLimit)) {
    throw invalidParameter('limit', `Invalid value for limit: must be an integer between 1 and ${paging.maxLimit}.`);
  }
  return n;
}

/**
 * A query enum such as `theme` or `format`, with a default when absent.
 * @param {Record<string,string>} query @param {string} param @param {string[]} allowed @param {string} def
 * @returns {string}
 */
function parseQueryEnum(query, param, allowed, def) {
  const raw = query[param];
  return raw === undefined ? def : oneOf(allowed)(raw, param);
}

module.exports = { SCHEMAS, THEMES, FORMATS, parseBody, parseLimit, parseQueryEnum };
