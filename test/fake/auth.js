'use strict';
/**
 * API keys, authentication (401, contract §2), plan and scope checks (403, §3, §4).
 */
const { ApiError } = require('./errors');
const { uuidFromSeed } = require('./util');

const ALL_SCOPES = ['diagrams:read', 'diagrams:write', 'folders:read', 'folders:write', 'generate'];
const PLANS = ['free', 'pro', 'team'];
const STATUSES = ['active', 'revoked', 'expired'];

/**
 * @typedef {object} KeyOptions
 * @property {string[]} [scopes]   default: all five
 * @property {'free'|'pro'|'team'} [plan] default 'pro'
 * @property {'active'|'revoked'|'expired'} [status] default 'active'
 * @property {string} [account]    keys with the same account (and environment) share data; default: the key itself
 * @property {'live'|'test'} [environment] default from the prefix: `jfi_sk_live_` → live, anything else → test
 */

/**
 * @typedef {object} KeyRecord
 * @property {string} key
 * @property {string[]} scopes
 * @property {'free'|'pro'|'team'} plan
 * @property {'active'|'revoked'|'expired'} status
 * @property {string} account
 * @property {'live'|'test'} environment
 * @property {{userId: string, organizationId: string|null}} actor
 */

/**
 * Build a key record. [assumed] Pro keys act as the account's user with `organization_id: null`;
 * Team keys act for an organization derived from the account, and each key is its own member user.
 * @param {string} key @param {KeyOptions} [opts] @returns {KeyRecord}
 */
function makeKeyRecord(key, opts = {}) {
  if (typeof key !== 'string' || !key) throw new TypeError('addKey: key must be a non-empty string');
  const scopes = opts.scopes ?? ALL_SCOPES;
  const plan = opts.plan ?? 'pro';
  const status = opts.status ?? 'active';
  if (!Array.isArray(scopes)) throw new TypeError('addKey: scopes must be an array');
  if (!PLANS.includes(plan)) throw new TypeError(`addKey: plan must be one of ${PLANS.join(', ')}`);
  if (!STATUSES.includes(status)) throw new TypeError(`addKey: status must be one of ${STATUSES.join(', ')}`);
  const account = opts.account ?? key;
  const environment = opts.environment ?? (key.startsWith('jfi_sk_live_') ? 'live' : 'test');
  const organizationId = plan === 'team' ? uuidFromSeed(`org:${account}`) : null;
  const userId = uuidFromSeed(plan === 'team' ? `user:${key}` : `user:${account}`);
  return { key, scopes: [...scopes], plan, status, account, environment, actor: { userId, organizationId } };
}

const BEARER = /^Bearer(?:[ \t]+(.*))?$/i;

/**
 * Resolve the Authorization header to an active key, or throw the 401.
 * [assumed] no/empty header, another scheme, or "Bearer" with no token → missing_api_key; the scheme
 * name is matched case-insensitively (RFC 7235); an unknown token → invalid_api_key. Messages never
 * echo the key. `WWW-Authenticate: Bearer` with no parameters.
 * @param {string|undefined} header
 * @param {Map<string, KeyRecord>} keys
 * @returns {KeyRecord}
 */
function authenticate(header, keys) {
  const fail = (code, message) => new ApiError(401, code, message, undefined, { 'WWW-Authenticate': 'Bearer' });
  const value = (header || '').trim();
  if (!value) throw fail('missing_api_key', 'No API key provided. Send it as "Authorization: Bearer <key>".');
  const m = BEARER.exec(value);
  if (!m) throw fail('missing_api_key', 'The Authorization header must use the Bearer scheme: "Authorization: Bearer <key>".');
  const token = (m[1] || '').trim();
  if (!token) throw fail('missing_api_key', 'No API key provided. Send it as "Authorization: Bearer <key>".');
  const record = keys.get(token);
  if (!record) throw fail('invalid_api_key', 'Invalid API key provided.');
  if (record.status === 'revoked') throw fail('revoked_api_key', 'This API key has been revoked. Create a new key in Settings → API keys.');
  if (record.status === 'expired') throw fail('expired_api_key', 'This API key has expired. Create a new key in Settings → API keys.');
  return record;
}

/** 403 plan_required for accounts without a Pro or Team plan. @param {KeyRecord} record */
function checkPlan(record) {
  if (record.plan === 'free') {
    throw new ApiError(403, 'plan_required', 'API access requires a Pro or Team plan. Upgrade your plan to use the API.');
  }
}

/** 403 insufficient_scope naming the missing scope. @param {KeyRecord} record @param {string} scope */
function checkScope(record, scope) {
  if (!record.scopes.includes(scope)) {
    throw new ApiError(403, 'insufficient_scope', `This API key is missing the required scope: ${scope}.`);
  }
}

module.exports = { ALL_SCOPES, makeKeyRecord, authenticate, checkPlan, checkScope };
