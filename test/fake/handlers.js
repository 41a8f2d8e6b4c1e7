'use strict';
/**
 * Endpoint handlers (contract §7). Each gets a RequestContext after routing, authentication, burst
 * limit, plan and scope checks (§13.4 steps 1–5) and performs steps 6–10 in order:
 * JSON body → parameters → path resource → referenced resources → semantic checks → quota.
 */
const { parseBody, parseLimit, parseQueryEnum, SCHEMAS, THEMES, FORMATS } = require('./validation');
const { ApiError, notFound, validationFailed, conflict } = require('./errors');
const { isUuidShape } = require('./util');
const { checkBpmn } = require('./bpmn');
const { retryAfterHeader } = require('./ratelimit');

/**
 * @typedef {object} Response
 * @property {number} status
 * @property {unknown} [json]   JSON body
 * @property {Buffer|string} [body] raw body (with its Content-Type in headers)
 * @property {Record<string,string>} [headers]
 *
 * @typedef {object} RequestContext
 * @property {string} method
 * @property {string} path
 * @property {Record<string,string>} query first value of each query parameter
 * @property {Record<string,string>} params  path parameters (`id`)
 * @property {import('./store').DataSet} ds
 * @property {import('./auth').KeyRecord} key
 * @property {number} nowMs
 * @property {() => unknown} jsonBody step 6: the parsed body, or throws payload_too_large / invalid_json
 * @property {import('./server').FakeServer} server
 */

// ---- shared helpers ----

/**
 * A record by path id, or 404. [assumed] a non-UUID id is 404 like an unknown one (§16.16);
 * ids compare lowercased.
 * @template T
 * @param {{get(id: string): T|undefined}} collection @param {string} id @param {string} kind
 * @returns {T}
 */
function findOr404(collection, id, kind) {
  const record = isUuidShape(id) ? collection.get(id.toLowerCase()) : undefined;
  if (!record) throw notFound(kind, id);
  return record;
}

/** A referenced folder (body `folder_id` / `parent_id`) must exist: 404 with `param`. */
function requireFolderRef(ctx, folderId, param) {
  if (folderId && !ctx.ds.folders.get(folderId)) throw notFound('folder', folderId, param);
}

/** @param {unknown} json @returns {Response} */
const ok = (json) => ({ status: 200, json });

/** 201 with an absolute Location ([assumed] §16.23). @param {RequestContext} ctx @param {string} path @param {unknown} json */
function created(ctx, path, json) {
  return { status: 201, json, headers: { Location: ctx.server.baseUrl + path } };
}

/** @type {Response} */
const NO_CONTENT = { status: 204 };

/**
 * One page of a list endpoint (§11), shared by diagrams and folders.
 * @param {RequestContext} ctx @param {'diagrams'|'folders'} list
 * @param {import('./collection').SortedCollection<any>} collection
 */
function listPage(ctx, list, collection) {
  const settings = ctx.server.settings;
  const paging = /** @type {{defaultLimit: number, maxLimit: number}} */ ({ ...ctx.server.defaults.pagination, ...settings.pagination });
  const limit = parseLimit(ctx.query.limit, paging);
  let after = null;
  if (ctx.query.cursor !== undefined) {
    after = ctx.server.cursors.decode(list, ctx.query.cursor, settings.cursorTtlMs);
    if (!after) throw new ApiError(400, 'invalid_cursor', 'The cursor is invalid or has expired. Start again without a cursor.', 'cursor');
  }
  const { items, hasMore } = collection.pageNewestFirst(after, limit);
  const next = hasMore ? ctx.server.cursors.encode(list, items[items.length - 1]) : null;
  return ok({ data: items.map((r) => ({ ...r })), has_more: hasMore, next_cursor: next });
}

// ---- diagrams ----

/** @param {RequestContext} ctx */
function listDiagrams(ctx) {
  return listPage(ctx, 'diagrams', ctx.ds.diagrams);
}

/** @param {RequestContext} ctx */
function createDiagram(ctx) {
  const input = parseBody(ctx.jsonBody(), SCHEMAS.diagramCreate);
  const folderId = /** @type {string|null} */ (input.folder_id ?? null);
  requireFolderRef(ctx, folderId, 'folder_id');
  const check = checkBpmn(/** @type {string} */ (input.bpmn_xml));
  if (check.ok === false) throw validationFailed('bpmn_xml', check.message);
  const d = ctx.ds.createDiagram({
    name: /** @type {string} */ (input.name),
    folderId,
    bpmnXml: /** @type {string} */ (input.bpmn_xml),
    actor: ctx.key.actor,
  });
  return created(ctx, `/diagrams/${d.id}`, { ...d });
}

/** @param {RequestContext} ctx */
function getDiagram(ctx) {
  return ok({ ...findOr404(ctx.ds.diagrams, ctx.params.id, 'diagram') });
}

/** @param {RequestContext} ctx */
function updateDiagram(ctx) {
  const patch = parseBody(ctx.jsonBody(), SCHEMAS.diagramUpdate);
  const d = findOr404(ctx.ds.diagrams, ctx.params.id, 'diagram');
  requireFolderRef(ctx, patch.folder_id, 'folder_id');
  return ok({ ...ctx.ds.updateDiagram(d, patch) });
}

/** @param {RequestContext} ctx */
function deleteDiagram(ctx) {
  ctx.ds.deleteDiagram(findOr404(ctx.ds.diagrams, ctx.params.id, 'diagram'));
  return NO_CONTENT;
}

/**
 * A filename for Content-Disposition: quotes, backslashes, path separators, control and non-ASCII
 * characters become `_` in `filename`; the exact name is in `filename*` (RFC 6266 / 5987).
 * @param {string} name @param {string} ext
 */
function attachmentDisposition(name, ext) {
  const ascii = name.replace(/["\\/\u0000-\u001f\u007f-\uffff]/g, '_').trim() || 'diagram';
  const exact = encodeURIComponent(`${name}.${ext}`).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `attachment; filename="${ascii}.${ext}"; filename*=UTF-8''${exact}`;
}

/**
 * Export (§8.2): the XML verbatim as imported ([assumed] no normalisation).
 * @param {RequestContext} ctx
 */
function exportBpmn(ctx) {
  const d = findOr404(ctx.ds.diagrams, ctx.params.id, 'diagram');
  return {
    status: 200,
    body: ctx.ds.bpmnOf(d.id),
    headers: {
      'Content-Type': 'application/xml; charset=utf-8',
      'Content-Disposition': attachmentDisposition(d.name, 'bpmn'),
    },
  };
}

/**
 * Render (§7.7). `settings.imageMode`: 'bytes' = 200 with the image; 'redirect' = 3xx to the image
 * host (no auth needed there); 'json' = 200 `{"url": "<image host URL>"}`.
 * @param {RequestContext} ctx
 */
function renderImage(ctx) {
  const theme = /** @type {'light'|'dark'} */ (parseQueryEnum(ctx.query, 'theme', THEMES, 'light'));
  const format = /** @type {'png'|'svg'} */ (parseQueryEnum(ctx.query, 'format', FORMATS, 'png'));
  const d = findOr404(ctx.ds.diagrams, ctx.params.id, 'diagram');
  const mode = ctx.server.settings.imageMode;
  if (mode === 'redirect') {
    return { status: ctx.server.settings.redirectStatus, headers: { Location: ctx.server.imageHostUrl(ctx.ds, d.id, theme, format) } };
  }
  if (mode === 'json') return ok({ url: ctx.server.imageHostUrl(ctx.ds, d.id, theme, format) });
  const image = ctx.server.renderCached(d, theme, format);
  return { status: 200, body: image.bytes, headers: { 'Content-Type': image.contentType } };
}

// ---- generations ----

/**
 * How this generation will run: the settings, overridden by markers in the prompt.
 * `[fail]` → fails; `[slow:N]` → takes N ms in total (20 % queued, the rest running).
 * @param {RequestContext} ctx @param {string} prompt
 * @returns {import('./store').GenerationPlan}
 */
function generationPlan(ctx, prompt) {
  const plan = /** @type {import('./store').GenerationPlan} */ ({ ...ctx.server.defaults.generation, ...ctx.server.settings.generation });
  if (/\[fail\]/i.test(prompt)) plan.outcome = 'failed';
  const slow = /\[slow:(\d+)\]/i.exec(prompt);
  if (slow) {
    const total = Number(slow[1]);
    plan.queuedMs = Math.round(total * 0.2);
    plan.runningMs = total - plan.queuedMs;
  }
  return plan;
}

/** @param {RequestContext} ctx */
function startGeneration(ctx) {
  const input = parseBody(ctx.jsonBody(), SCHEMAS.generate);
  const folderId = /** @type {string|null} */ (input.folder_id ?? null);
  requireFolderRef(ctx, folderId, 'folder_id');
  const quota = ctx.server.settings.quota;
  if (ctx.ds.quotaUsed(ctx.nowMs) >= quota) {
    const seconds = ctx.ds.quotaRetryAfterSeconds(ctx.nowMs);
    throw new ApiError(
      429,
      'quota_exceeded',
      `Generation quota exceeded: ${quota} generations per rolling 30 days. Retry after ${seconds} seconds.`,
      undefined,
      retryAfterHeader(seconds, ctx.server.settings.retryAfterHeader, ctx.nowMs),
    );
  }
  const prompt = /** @type {string} */ (input.prompt);
  const g = ctx.ds.startGeneration({
    prompt,
    name: /** @type {string|null} */ (input.name ?? null),
    folderId,
    theme: /** @type {any} */ (input.theme ?? 'light'),
    format: /** @type {any} */ (input.format ?? 'png'),
    plan: generationPlan(ctx, prompt),
    actor: ctx.key.actor,
    nowMs: ctx.nowMs,
  });
  return { status: 202, json: { ...g }, headers: { Location: `${ctx.server.baseUrl}/generations/${g.id}` } };
}

/** @param {RequestContext} ctx */
function getGeneration(ctx) {
  return ok({ ...findOr404(ctx.ds.generations, ctx.params.id, 'generation') });
}

// ---- folders ----

/** @param {RequestContext} ctx */
function listFolders(ctx) {
  return listPage(ctx, 'folders', ctx.ds.folders);
}

/** @param {RequestContext} ctx */
function createFolder(ctx) {
  const input = parseBody(ctx.jsonBody(), SCHEMAS.folderCreate);
  const parentId = /** @type {string|null} */ (input.parent_id ?? null);
  requireFolderRef(ctx, parentId, 'parent_id');
  const f = ctx.ds.createFolder({
    name: /** @type {string} */ (input.name),
    parentId,
    context: /** @type {string|null} */ (input.context ?? null),
    actor: ctx.key.actor,
  });
  return created(ctx, `/folders/${f.id}`, { ...f });
}

/** @param {RequestContext} ctx */
function getFolder(ctx) {
  return ok({ ...findOr404(ctx.ds.folders, ctx.params.id, 'folder') });
}

/** @param {RequestContext} ctx */
function updateFolder(ctx) {
  const patch = parseBody(ctx.jsonBody(), SCHEMAS.folderUpdate);
  const f = findOr404(ctx.ds.folders, ctx.params.id, 'folder');
  requireFolderRef(ctx, patch.parent_id, 'parent_id');
  if (patch.parent_id && ctx.ds.wouldCycle(f.id, /** @type {string} */ (patch.parent_id))) {
    throw validationFailed('parent_id', 'parent_id would create a cycle: a folder cannot be moved into itself or one of its descendants.');
  }
  return ok({ ...ctx.ds.updateFolder(f, patch) });
}

/**
 * [assumed] only an empty folder can be deleted (§7.14): 409 otherwise, nothing deleted.
 * @param {RequestContext} ctx
 */
function deleteFolder(ctx) {
  const f = findOr404(ctx.ds.folders, ctx.params.id, 'folder');
  if (!ctx.ds.isFolderEmpty(f.id)) {
    throw conflict('This folder is not empty: move or delete the folders and diagrams in it first.');
  }
  ctx.ds.deleteFolder(f);
  return NO_CONTENT;
}

// ---- the route table (contract §5) ----

/**
 * @typedef {{ scope: string, handler: (ctx: RequestContext) => Response }} Operation
 * @typedef {{ pattern: RegExp, params: string[], methods: Record<string, Operation> }} Route
 */

/**
 * Order matters: `POST /diagrams/generate` comes before `/diagrams/{id}`; other methods on
 * `/diagrams/generate` fall through to `/diagrams/{id}` (so GET is a 404 for an unknown id).
 * [assumed] paths are matched exactly: no trailing slash, no double slashes.
 * @type {Route[]}
 */
const ROUTES = [
  {
    pattern: /^\/api\/v1\/diagrams$/,
    params: [],
    methods: { GET: { scope: 'diagrams:read', handler: listDiagrams }, POST: { scope: 'diagrams:write', handler: createDiagram } },
  },
  { pattern: /^\/api\/v1\/diagrams\/generate$/, params: [], methods: { POST: { scope: 'generate', handler: startGeneration } } },
  {
    pattern: /^\/api\/v1\/diagrams\/([^/]+)$/,
    params: ['id'],
    methods: {
      GET: { scope: 'diagrams:read', handler: getDiagram },
      PATCH: { scope: 'diagrams:write', handler: updateDiagram },
      DELETE: { scope: 'diagrams:write', handler: deleteDiagram },
    },
  },
  { pattern: /^\/api\/v1\/diagrams\/([^/]+)\/bpmn$/, params: ['id'], methods: { GET: { scope: 'diagrams:read', handler: exportBpmn } } },
  { pattern: /^\/api\/v1\/diagrams\/([^/]+)\/image$/, params: ['id'], methods: { GET: { scope: 'diagrams:read', handler: renderImage } } },
  // [assumed] polling needs the `generate` scope (§16.9).
  { pattern: /^\/api\/v1\/generations\/([^/]+)$/, params: ['id'], methods: { GET: { scope: 'generate', handler: getGeneration } } },
  {
    pattern: /^\/api\/v1\/folders$/,
    params: [],
    methods: { GET: { scope: 'folders:read', handler: listFolders }, POST: { scope: 'folders:write', handler: createFolder } },
  },
  {
    pattern: /^\/api\/v1\/folders\/([^/]+)$/,
    params: ['id'],
    methods: {
      GET: { scope: 'folders:read', handler: getFolder },
      PATCH: { scope: 'folders:write', handler: updateFolder },
      DELETE: { scope: 'folders:write', handler: deleteFolder },
    },
  },
];

/**
 * Route a request (step 1). Returns the operation and path params, or throws 404 (unknown route) /
 * 405 (known route, wrong method; with `Allow`).
 * @param {string} method @param {string} path
 * @returns {{ operation: Operation, params: Record<string,string> }}
 */
function route(method, path) {
  /** @type {Set<string>} */
  const allowed = new Set();
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    const operation = r.methods[method];
    if (operation) {
      /** @type {Record<string,string>} */
      const params = {};
      r.params.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1]);
      });
      return { operation, params };
    }
    Object.keys(r.methods).forEach((k) => allowed.add(k));
  }
  if (allowed.size) {
    const list = [...allowed].join(', ');
    throw new ApiError(405, 'method_not_allowed', `Method ${method} is not allowed on ${path}. Allowed: ${list}.`, undefined, { Allow: list });
  }
  throw new ApiError(404, 'resource_not_found', `Unrecognized request URL (${method} ${path}).`);
}

/** @param {string} s */
function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

module.exports = { ROUTES, route, attachmentDisposition };
