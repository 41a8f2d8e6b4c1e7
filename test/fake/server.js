'use strict';
/**
 * The contract-faithful fake Just Flow It API (see /work/shared/justflowit-api.md and README.md).
 *
 *   const { startFakeServer, TEST_KEY } = require('./test/fake/server');
 *   const fake = await startFakeServer();
 *   // fake.baseUrl === 'http://127.0.0.1:<port>/api/v1'
 *   await fake.close();
 *
 * Request pipeline (contract §13.4): read body → failure injection → route (404/405) → auth (401) →
 * burst limit (429) → plan (403) → scope (403) → handler (JSON body 400 → params 400 → 404 → 422/409 →
 * quota 429). Every response carries X-Request-Id; every authenticated one RateLimit-* headers.
 */
const http = require('node:http');
const crypto = require('node:crypto');
const { route } = require('./handlers');
const { authenticate, checkPlan, checkScope, makeKeyRecord, ALL_SCOPES } = require('./auth');
const { BurstLimiter, rateLimitHeaders, burstExceeded } = require('./ratelimit');
const { FailureInjector, failureResponse, normalisePath, pathMatches } = require('./failures');
const { ApiError, envelope, invalidJson } = require('./errors');
const { createCursorCodec } = require('./collection');
const { DataSet } = require('./store');
const { ImageHost } = require('./image-host');
const { parseTarget, plainHeaders, readBody, listen } = require('./http-util');
const { sampleBpmn, checkBpmn } = require('./bpmn');
const { newRequestId, createClock, cloneJson } = require('./util');

/** Built-in staging key: all five scopes, plan 'pro'. */
const TEST_KEY = 'jfi_sk_test_fakeTestKey4n8nNodes0001';
/** Built-in production key: all five scopes, plan 'pro'. Same account as TEST_KEY, separate data. */
const LIVE_KEY = 'jfi_sk_live_fakeLiveKey4n8nNodes0001';
/** The account both built-in keys belong to. */
const DEFAULT_ACCOUNT = 'acct_default';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * @typedef {object} GenerationSettings
 * @property {number} queuedMs       time in `queued` (default 300)
 * @property {number} runningMs      then time in `running` (default 1200)
 * @property {'succeeded'|'failed'} outcome
 * @property {{code: string, message: string}} failure the `error` of a failed generation
 * @property {string} [intermediateStatus] reported instead of 'running' (e.g. 'processing')
 *
 * @typedef {object} Settings  live-tunable; `fake.settings.x = …` takes effect on the next request
 * @property {{limit: number, windowMs: number} | null} burst  null = off (default)
 * @property {number} quota                 generations per rolling 30 days per data set (default 500)
 * @property {'bytes'|'redirect'|'json'} imageMode
 * @property {number} redirectStatus        status for imageMode 'redirect' (default 302)
 * @property {'api'|'image-host'} imageUrlHost where a succeeded generation's image_url points (default 'api')
 * @property {'seconds'|'http-date'|'none'} retryAfterHeader
 * @property {Partial<GenerationSettings>} generation merged over the defaults
 * @property {{defaultLimit?: number, maxLimit?: number}} pagination (default 20 / 100)
 * @property {number} maxBodyBytes          default 5 MiB
 * @property {number|null} cursorTtlMs      cursors older than this are invalid_cursor (default null = never)
 * @property {boolean} strictContentType    bodies must be sent with a JSON Content-Type (default true)
 * @property {number} maxRecordedRequests   request log cap, oldest dropped (default 50,000)
 */

/** @type {Settings} */
const DEFAULT_SETTINGS = {
  burst: null,
  quota: 500,
  imageMode: 'bytes',
  redirectStatus: 302,
  imageUrlHost: 'api',
  retryAfterHeader: 'seconds',
  generation: {
    queuedMs: 300,
    runningMs: 1200,
    outcome: 'succeeded',
    failure: { code: 'generation_failed', message: 'The diagram could not be generated from this prompt. Try rephrasing it.' },
  },
  pagination: { defaultLimit: 20, maxLimit: 100 },
  maxBodyBytes: 5 * 1024 * 1024,
  cursorTtlMs: null,
  strictContentType: true,
  maxRecordedRequests: 50000,
};

/**
 * @typedef {object} FakeServerOptions
 * @property {number} [port]        main server port (default 0 = any free port)
 * @property {number} [imagePort]   image host port (default 0)
 * @property {'fixed'|'real'} [clock] default 'fixed': a logical clock, +1 s per stamped event
 * @property {string} [clockStart]  first timestamp of the fixed clock (default 2026-01-01T00:00:00Z)
 * @property {Partial<Settings>} [settings] initial settings; reset() returns to these
 * @property {Record<string, import('./auth').KeyOptions>} [keys] extra keys present from the start (and after reset)
 * @property {string} [cursorSecret] HMAC secret for cursors and image URLs (default random per instance)
 */

/**
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} path   without query
 * @property {Record<string,string>} query first value of each parameter
 * @property {Record<string,string>} headers lower-cased names
 * @property {string} body   as text (cut at maxBodyBytes + 1 bytes)
 * @property {unknown} [json] the parsed body when it was valid JSON
 * @property {number|null} status null until answered (stays null for 'destroy'/'hang' failures)
 * @property {string} requestId
 * @property {number} at     ms timestamp of arrival
 * @property {'respond'|'destroy'|'hang'} [failure] set when an injected failure answered it
 */

/** @param {Partial<Settings>} [overrides] @returns {Settings} */
function mergeSettings(overrides = {}) {
  return cloneJson({
    ...DEFAULT_SETTINGS,
    ...overrides,
    generation: { ...DEFAULT_SETTINGS.generation, ...overrides.generation },
    pagination: { ...DEFAULT_SETTINGS.pagination, ...overrides.pagination },
  });
}

class FakeServer {
  /** @param {FakeServerOptions} [options] */
  constructor(options = {}) {
    this.options = options;
    /** The settings reset() restores. */
    this.defaults = mergeSettings(options.settings);
    /** @type {Settings} */
    this.settings = cloneJson(this.defaults);
    this.clock = createClock(options.clock ?? 'fixed', options.clockStart);
    /** The time of a request (rate-limit windows, the Date header); see useRequestClock. */
    this.requestClock = Date.now;
    this.secret = options.cursorSecret ?? crypto.randomBytes(32).toString('hex');
    this.cursors = createCursorCodec(this.secret);
    /** @type {Map<string, import('./auth').KeyRecord & {options: import('./auth').KeyOptions}>} */
    this.keys = new Map();
    /** @type {Map<string, DataSet>} account\0environment → data set */
    this.dataSets = new Map();
    /** @type {Map<string, DataSet>} data set id → data set (image host lookups) */
    this.dataSetsById = new Map();
    this.limiter = new BurstLimiter();
    this.failures = new FailureInjector();
    /** @type {RecordedRequest[]} */
    this.requests = [];
    this.images = new ImageHost({
      secret: this.secret,
      findDiagram: (dsId, diagramId) => this.dataSetsById.get(dsId)?.diagrams.get(diagramId),
    });
    /** Every request the image host got. @type {import('./image-host').ImageHostRequest[]} */
    this.imageHostRequests = this.images.requests;
    /** @type {Set<NodeJS.Timeout>} */
    this.timers = new Set();
    this.port = 0;
    this.imagePort = 0;
    this.origin = '';
    this.baseUrl = '';
    this.imageOrigin = '';
    this.installDefaultKeys();
    this.api = http.createServer((req, res) => this.onApiRequest(req, res));
  }

  /** Start both servers. @returns {Promise<this>} */
  async start() {
    this.port = await listen(this.api, this.options.port ?? 0);
    this.imagePort = await this.images.start(this.options.imagePort ?? 0);
    this.origin = `http://127.0.0.1:${this.port}`;
    this.baseUrl = `${this.origin}/api/v1`;
    this.imageOrigin = this.images.origin;
    return this;
  }

  // ------------------------------------------------------------------ keys

  installDefaultKeys() {
    this.keys.clear();
    this.addKey(TEST_KEY, { account: DEFAULT_ACCOUNT });
    this.addKey(LIVE_KEY, { account: DEFAULT_ACCOUNT });
    for (const [key, opts] of Object.entries(this.options.keys ?? {})) this.addKey(key, opts);
  }

  /**
   * Add (or replace) an API key.
   * @param {string} key
   * @param {import('./auth').KeyOptions} [opts] default: all scopes, plan 'pro', active, its own account
   * @returns {string} the key
   */
  addKey(key, opts = {}) {
    this.keys.set(key, { ...makeKeyRecord(key, opts), options: { ...opts } });
    return key;
  }

  /**
   * Change some options of an existing key (e.g. `{status: 'revoked'}`), keeping the others.
   * @param {string} key @param {import('./auth').KeyOptions} patch @returns {string}
   */
  updateKey(key, patch) {
    const current = this.keys.get(key);
    if (!current) throw new Error(`updateKey: unknown key`);
    return this.addKey(key, { ...current.options, ...patch });
  }

  /** @param {string} key */
  removeKey(key) {
    this.keys.delete(key);
  }

  /** @param {string} [key] @returns {DataSet} */
  dataSetForKey(key = TEST_KEY) {
    const record = this.keys.get(key);
    if (!record) throw new Error('unknown key (add it with fake.addKey first)');
    return this.dataSetFor(record);
  }

  /** The data set of a key's account and environment, created on first use. @param {import('./auth').KeyRecord} record */
  dataSetFor(record) {
    const id = `${record.account}\0${record.environment}`;
    let ds = this.dataSets.get(id);
    if (!ds) {
      ds = new DataSet({
        account: record.account,
        environment: record.environment,
        clock: this.clock,
        imageUrlFor: (set, diagramId, theme, format) => this.generationImageUrl(set, diagramId, theme, format),
      });
      this.dataSets.set(id, ds);
      this.dataSetsById.set(ds.id, ds);
    }
    return ds;
  }

  // ------------------------------------------------------------------ seeding and inspection (no HTTP)

  /**
   * @param {{key?: string, name: string, parentId?: string|null, context?: string|null}} spec
   * @returns {import('./store').Folder} as the API renders it
   */
  seedFolder({ key = TEST_KEY, name, parentId = null, context = null }) {
    const ds = this.dataSetForKey(key);
    if (parentId && !ds.folders.get(parentId)) throw new Error(`seedFolder: unknown parentId ${parentId}`);
    return { ...ds.createFolder({ name, parentId, context, actor: this.keys.get(key).actor }) };
  }

  /**
   * @param {{key?: string, name: string, folderId?: string|null, bpmnXml?: string}} spec
   *   bpmnXml is stored as given (not validated); omitted = sampleBpmn(name)
   * @returns {import('./store').Diagram}
   */
  seedDiagram({ key = TEST_KEY, name, folderId = null, bpmnXml }) {
    const ds = this.dataSetForKey(key);
    if (folderId && !ds.folders.get(folderId)) throw new Error(`seedDiagram: unknown folderId ${folderId}`);
    return { ...ds.createDiagram({ name, folderId, bpmnXml: bpmnXml ?? null, actor: this.keys.get(key).actor }) };
  }

  /**
   * Many diagrams at once, named `${namePrefix} ${i}` (1-based), each one second newer than the last.
   * @param {number} n
   * @param {{key?: string, namePrefix?: string, folderId?: string|null}} [opts]
   * @returns {import('./store').Diagram[]} in creation order (oldest first; the API lists newest first)
   */
  seedDiagrams(n, { key = TEST_KEY, namePrefix = 'Diagram', folderId = null } = {}) {
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.seedDiagram({ key, name: `${namePrefix} ${i + 1}`, folderId });
    return out;
  }

  /**
   * Changes a diagram as PATCH /diagrams/{id} would (no request logged): `updated_at` moves only
   * when a value changes. Test helper for the trigger.
   * @param {string} id
   * @param {{name?: string, folder_id?: string|null}} patch
   * @param {{key?: string}} [opts]
   * @returns {import('./store').Diagram} as the API renders it
   */
  changeDiagram(id, patch, { key = TEST_KEY } = {}) {
    const ds = this.dataSetForKey(key);
    const d = ds.diagrams.get(id);
    if (!d) throw new Error(`changeDiagram: unknown diagram ${id}`);
    if (patch.folder_id && !ds.folders.get(patch.folder_id)) throw new Error(`changeDiagram: unknown folder ${patch.folder_id}`);
    return { ...ds.updateDiagram(d, patch) };
  }

  /**
   * [assumed] Holds the fixed clock: every event from now on gets the same second as the last one
   * (what the real API's whole-second stamps do to events close together). `holdClock(false)` lets
   * it move again; reset() releases it.
   * @param {boolean} [on]
   */
  holdClock(on = true) {
    this.clock.hold(on);
  }

  /**
   * [test helper] The clock that times requests: rate-limit windows, RateLimit-Reset, Retry-After
   * and the Date header all count from it, so they stay true to each other (default Date.now;
   * `reset()` restores it). Tests of hour-long rate-limited walks pass a simulated clock, shared
   * with the node's (see test/harness/virtual-clock.js). It is read once per request. While it is
   * set, the fixed clock never stamps an event before that clock's second.
   * @param {(() => number) | null} now
   */
  useRequestClock(now) {
    this.requestClock = now ?? Date.now;
    this.clock.follow(now);
  }

  /**
   * A snapshot of a key's data set (generations brought up to date first).
   * @param {string} [key] default TEST_KEY
   * @returns {{diagrams: import('./store').Diagram[], folders: import('./store').Folder[],
   *   generations: import('./store').Generation[], quotaUsed: number, bpmn: (diagramId: string) => string|undefined}}
   */
  inspect(key = TEST_KEY) {
    const ds = this.dataSetForKey(key);
    const now = Date.now();
    ds.advanceGenerations(now);
    return {
      diagrams: ds.diagrams.newestFirst().map((d) => ({ ...d })),
      folders: ds.folders.newestFirst().map((f) => ({ ...f })),
      generations: [...ds.generations.values()].map((g) => ({ ...g })),
      quotaUsed: ds.quotaUsed(now),
      bpmn: (id) => (ds.diagrams.get(id) ? ds.bpmnOf(id) : undefined),
    };
  }

  // ------------------------------------------------------------------ failures and the request log

  /** @param {import('./failures').FailureSpec} spec @returns {import('./failures').FailureHandle} */
  injectFailure(spec) {
    return this.failures.add(spec);
  }

  /**
   * The next request (any method and path) gets `status` with a proper envelope of that status's type.
   * @param {number} status @param {string} [code] default per status (e.g. 503 → service_unavailable)
   * @returns {import('./failures').FailureHandle}
   */
  failNext(status, code) {
    return this.failures.add({ status, code });
  }

  clearFailures() {
    this.failures.clear();
  }

  /** Forget all recorded traffic (main server and image host). */
  clearRequests() {
    this.requests.length = 0;
    this.images.requests.length = 0;
  }

  /**
   * Recorded requests by method ('*' or null = any) and path: a RegExp, or a string prefix
   * (relative prefixes such as '/diagrams' are taken under /api/v1).
   * @param {string|null|undefined} method @param {string|RegExp} [pathPrefixOrRegex]
   * @returns {RecordedRequest[]}
   */
  requestsTo(method, pathPrefixOrRegex) {
    const m = method && method !== '*' ? method.toUpperCase() : null;
    const p = normalisePath(pathPrefixOrRegex);
    return this.requests.filter(
      (r) => (!m || r.method === m) && (p === undefined || (typeof p === 'string' ? r.path.startsWith(p) : pathMatches(p, r.path))),
    );
  }

  /**
   * Back to the freshly started state: empty store, request logs, failures, rate-limit windows and
   * render cache; settings = the start settings; the fixed clock restarts. Keys are restored too
   * (built-in and `options.keys`; keys added later are dropped) unless `keepKeys` is true.
   * @param {{keepKeys?: boolean}} [opts]
   */
  reset({ keepKeys = false } = {}) {
    this.requestClock = Date.now;
    this.clock.follow(null);
    this.dataSets.clear();
    this.dataSetsById.clear();
    this.clearRequests();
    this.failures.clear();
    this.limiter.clear();
    this.images.clear();
    this.clock.restart();
    for (const k of Object.keys(this.settings)) delete this.settings[k];
    Object.assign(this.settings, cloneJson(this.defaults));
    if (!keepKeys) this.installDefaultKeys();
  }

  /** Close both servers, drop open (keep-alive and hanging) connections, cancel timers. @returns {Promise<void>} */
  async close() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closeOne = (server) =>
      new Promise((resolve) => {
        if (!server.listening) return resolve(undefined);
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      });
    await Promise.all([closeOne(this.api), closeOne(this.images.server)]);
  }

  // ------------------------------------------------------------------ images

  /**
   * The `image_url` of a succeeded generation: the API's image endpoint (default, [assumed]) or,
   * with `settings.imageUrlHost = 'image-host'`, a signed URL on the image host.
   * @param {DataSet} ds @param {string} diagramId @param {string} theme @param {string} format
   */
  generationImageUrl(ds, diagramId, theme, format) {
    if (this.settings.imageUrlHost === 'image-host') return this.images.url(ds.id, diagramId, theme, format);
    return `${this.baseUrl}/diagrams/${diagramId}/image?theme=${theme}&format=${format}`;
  }

  /** A signed URL on the image host, for the image endpoint's redirect and JSON modes. */
  imageHostUrl(ds, diagramId, theme, format) {
    return this.images.url(ds.id, diagramId, theme, format);
  }

  /** @param {{id: string, name: string}} d @param {'light'|'dark'} theme @param {'png'|'svg'} format */
  renderCached(d, theme, format) {
    return this.images.render(d, theme, format);
  }

  // ------------------------------------------------------------------ the API server

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async onApiRequest(req, res) {
    const requestId = newRequestId();
    const method = req.method || 'GET';
    const { path, query } = parseTarget(req.url);
    /** @type {RecordedRequest} */
    const entry = { method, path, query, headers: plainHeaders(req.headers), body: '', status: null, requestId, at: this.requestClock() };
    this.record(entry);
    try {
      const body = await readBody(req, this.settings.maxBodyBytes);
      entry.body = body.text;
      if (body.json !== undefined) entry.json = body.json;
      const failure = this.failures.take(method, path, query);
      if (failure) return this.applyFailure(failure, req, res, entry);
      /** @type {Record<string,string>} */
      const rateHeaders = {};
      let response;
      try {
        response = this.dispatch(req, entry, body, rateHeaders);
      } catch (err) {
        response = this.errorResponse(err, requestId);
      }
      this.send(res, entry, response, rateHeaders);
    } catch (err) {
      console.error('[fake] unexpected failure', err);
      if (!res.headersSent) this.send(res, entry, this.errorResponse(err, requestId), {});
    }
  }

  /**
   * Steps 1–5 of the check order, then the handler.
   * @param {http.IncomingMessage} req @param {RecordedRequest} entry
   * @param {Awaited<ReturnType<typeof readBody>>} body
   * @param {Record<string,string>} rateHeaders filled in once the key is known
   * @returns {import('./handlers').Response}
   */
  dispatch(req, entry, body, rateHeaders) {
    const nowMs = entry.at;
    const { operation, params } = route(entry.method, entry.path);
    const key = authenticate(req.headers.authorization, this.keys);
    const burst = this.limiter.hit(key.key, this.settings.burst, nowMs);
    Object.assign(rateHeaders, rateLimitHeaders(burst));
    if (!burst.allowed) throw burstExceeded(burst, this.settings.retryAfterHeader, nowMs);
    checkPlan(key);
    checkScope(key, operation.scope);
    const ds = this.dataSetFor(key);
    ds.advanceGenerations(nowMs);
    return operation.handler({
      method: entry.method,
      path: entry.path,
      query: entry.query,
      params,
      ds,
      key,
      nowMs,
      server: this,
      jsonBody: () => this.jsonBody(req, body),
    });
  }

  /**
   * Step 6: the body must be at most maxBodyBytes ([assumed] 400 payload_too_large, not 413), sent as
   * JSON ([assumed] a non-JSON Content-Type is invalid_json when strictContentType), non-empty
   * ([assumed] an empty body is invalid_json, not `{}`) and parse.
   * @param {http.IncomingMessage} req @param {Awaited<ReturnType<typeof readBody>>} body
   */
  jsonBody(req, body) {
    if (body.tooLarge) {
      const mib = Math.round((this.settings.maxBodyBytes / 1048576) * 100) / 100;
      throw new ApiError(400, 'payload_too_large', `The request body exceeds the maximum size of ${mib} MiB.`);
    }
    if (this.settings.strictContentType && !/json/i.test(req.headers['content-type'] || '')) {
      throw invalidJson('The request body must be JSON, sent with "Content-Type: application/json".');
    }
    if (!body.text.trim()) throw invalidJson('The request body is empty; expected a JSON object.');
    if (body.jsonError) throw invalidJson(`The request body could not be parsed as JSON: ${body.jsonError}`);
    return body.json;
  }

  /** @param {unknown} err @param {string} requestId @returns {import('./handlers').Response} */
  errorResponse(err, requestId) {
    if (err instanceof ApiError) return { status: err.status, json: envelope(err, requestId), headers: err.headers };
    console.error('[fake] handler error', err);
    const internal = new ApiError(500, 'internal_error', 'An unexpected error occurred on our side. Please retry.');
    return { status: 500, json: envelope(internal, requestId) };
  }

  /**
   * Write a response. Headers are applied in order, case-insensitively: X-Request-Id, `baseHeaders`
   * (RateLimit-*), Content-Type for JSON, then `response.headers`; a `null` value removes a header.
   * @param {http.ServerResponse} res @param {RecordedRequest} entry
   * @param {import('./handlers').Response} response @param {Record<string,string>} baseHeaders
   */
  send(res, entry, response, baseHeaders) {
    res.end(this.writeHead(res, entry, response, baseHeaders));
  }

  /**
   * The status line and headers of `send`, without the body, which it returns (for answers
   * that then send their body slowly or in part).
   * @param {http.ServerResponse} res @param {RecordedRequest} entry
   * @param {import('./handlers').Response} response @param {Record<string,string>} baseHeaders
   * @returns {Buffer|undefined}
   */
  writeHead(res, entry, response, baseHeaders) {
    let body = response.body;
    /** @type {[string, unknown][]} */
    // The Date header tells the same time the rate-limit headers count from (see useRequestClock).
    const headers = [['X-Request-Id', entry.requestId], ['Date', new Date(entry.at).toUTCString()], ...Object.entries(baseHeaders)];
    if (response.json !== undefined) {
      body = JSON.stringify(response.json);
      headers.push(['Content-Type', JSON_TYPE]);
    }
    headers.push(...Object.entries(response.headers ?? {}));
    for (const [name, value] of headers) {
      if (value === null || value === undefined) res.removeHeader(name);
      else res.setHeader(name, /** @type {string} */ (value));
    }
    const bytes = body === undefined || response.status === 204 ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    if (response.status !== 204 && !response.withoutLength) res.setHeader('Content-Length', bytes ? bytes.length : 0);
    entry.status = response.status;
    res.writeHead(response.status);
    return bytes;
  }

  /**
   * Answer with an injected failure.
   * @param {import('./failures').FailureSpec & {status: number}} f
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {RecordedRequest} entry
   */
  applyFailure(f, req, res, entry) {
    entry.failure = f.action;
    if (f.action === 'destroy') return void req.socket.destroy();
    if (f.action === 'hang') return; // close() drops the connection
    const response = failureResponse(f, entry.requestId);
    if (f.action === 'cut-off') return this.sendCutOff(req, res, entry, response);
    if (f.action === 'trickle') return this.sendTrickle(res, entry, response, f.intervalMs ?? 50);
    if (f.action === 'endless') return this.sendEndless(res, entry, response);
    if (!f.delayMs) return this.send(res, entry, response, {});
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!res.destroyed) this.send(res, entry, response, {});
    }, f.delayMs);
    this.timers.add(timer);
  }

  /**
   * The headers (with the whole body's Content-Length) and the first half of the body, then the
   * connection dropped: an answer cut off in the middle.
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {RecordedRequest} entry
   * @param {import('./handlers').Response} response
   */
  sendCutOff(req, res, entry, response) {
    const bytes = this.writeHead(res, entry, response, {}) ?? Buffer.alloc(0);
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => req.socket.destroy());
  }

  /**
   * The headers at once, then the body one byte every `intervalMs` (never silent long enough for
   * an idle timeout), until it is all sent or the client gives up. close() stops it.
   * @param {http.ServerResponse} res @param {RecordedRequest} entry
   * @param {import('./handlers').Response} response @param {number} intervalMs
   */
  sendTrickle(res, entry, response, intervalMs) {
    const bytes = this.writeHead(res, entry, response, {}) ?? Buffer.alloc(0);
    res.flushHeaders();
    let sent = 0;
    const next = () => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (res.destroyed) return;
        if (sent >= bytes.length) return void res.end();
        res.write(bytes.subarray(sent, sent + 1));
        sent++;
        next();
      }, intervalMs);
      this.timers.add(timer);
    };
    next();
  }

  /**
   * The headers without a Content-Length, then the body again and again (at least 64 KiB a
   * write) as fast as the client reads it, never ending on its own: a server or proxy that sends
   * without end. Stops when the client drops the connection, or at close().
   * @param {http.ServerResponse} res @param {RecordedRequest} entry
   * @param {import('./handlers').Response} response
   */
  sendEndless(res, entry, response) {
    const bytes = this.writeHead(res, entry, { ...response, withoutLength: true }, {}) ?? Buffer.from(' ');
    const chunk = Buffer.concat(Array(Math.ceil(65536 / bytes.length)).fill(bytes));
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  }

  /** Append to the request log, trimming the oldest entries past the cap (amortised). @param {RecordedRequest} entry */
  record(entry) {
    this.requests.push(entry);
    const max = this.settings.maxRecordedRequests;
    if (this.requests.length > max + Math.max(1000, max >> 2)) this.requests.splice(0, this.requests.length - max);
  }
}

/**
 * Start the fake (main API server + image host, both on 127.0.0.1).
 * @param {FakeServerOptions} [options]
 * @returns {Promise<FakeServer>}
 */
async function startFakeServer(options = {}) {
  return new FakeServer(options).start();
}

module.exports = {
  startFakeServer,
  FakeServer,
  TEST_KEY,
  LIVE_KEY,
  DEFAULT_ACCOUNT,
  ALL_SCOPES,
  DEFAULT_SETTINGS,
  sampleBpmn,
  checkBpmn,
};
