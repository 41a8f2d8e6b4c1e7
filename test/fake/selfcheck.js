#!/usr/bin/env node
'use strict';
/**
 * Self-check of the fake server: starts it and exercises every endpoint over real HTTP with fetch.
 * Exits non-zero on any mismatch.   node test/fake/selfcheck.js
 */
const zlib = require('node:zlib');
const { startFakeServer, TEST_KEY, LIVE_KEY, sampleBpmn } = require('./server');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const REQ_ID = /^req_[0-9a-f]{16}$/;

let failures = 0;
let checks = 0;

/** @param {boolean} cond @param {string} what @param {unknown} [got] */
function expect(cond, what, got) {
  checks++;
  if (!cond) {
    failures++;
    console.error(`  ✗ ${what}${got === undefined ? '' : ` (got ${typeof got === 'string' ? got : JSON.stringify(got)})`}`);
  }
}

/** @param {string} name @param {() => Promise<void>} fn */
async function section(name, fn) {
  const before = failures;
  try {
    await fn();
  } catch (e) {
    failures++;
    console.error(`  ✗ threw: ${e && e.stack}`);
  }
  console.log(`${failures === before ? '✓' : '✗'} ${name}`);
}

/** Bitwise CRC-32, independent of the server's table-driven one. @param {Buffer} buf */
function referenceCrc32(buf) {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Parse PNG chunks, verifying each CRC. @param {Buffer} png */
function parsePng(png) {
  const signatureOk = png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const chunks = [];
  let crcOk = true;
  for (let o = 8; o < png.length; ) {
    const len = png.readUInt32BE(o);
    const type = png.toString('latin1', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + len);
    if (png.readUInt32BE(o + 8 + len) !== referenceCrc32(png.subarray(o + 4, o + 8 + len))) crcOk = false;
    chunks.push({ type, data });
    o += 12 + len;
  }
  const ihdr = chunks[0]?.data;
  const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  const raw = zlib.inflateSync(idat);
  return {
    signatureOk,
    crcOk,
    types: chunks.map((c) => c.type),
    width: ihdr.readUInt32BE(0),
    height: ihdr.readUInt32BE(4),
    firstPixel: [...raw.subarray(1, 4)],
    rawLength: raw.length,
  };
}

async function main() {
  const fake = await startFakeServer({ settings: { generation: { queuedMs: 100, runningMs: 200 } } });
  const base = fake.baseUrl;
  const auth = (key = TEST_KEY) => ({ Authorization: `Bearer ${key}` });
  const jsonHeaders = (key) => ({ ...auth(key), 'Content-Type': 'application/json' });

  /**
   * fetch + common checks (X-Request-Id everywhere, envelope shape on errors).
   * @param {string} method @param {string} path
   * @param {{key?: string|null, body?: unknown, headers?: Record<string,string>, raw?: boolean}} [opts]
   * @returns {Promise<{status:number, headers:Headers, json:any, text:string, bytes:Buffer}>}
   */
  async function call(method, path, { key = TEST_KEY, body, headers, raw } = {}) {
    /** @type {RequestInit} */
    const init = { method, headers: { ...(key ? jsonHeaders(key) : {}), ...headers }, redirect: 'manual' };
    if (body !== undefined) init.body = raw ? /** @type {string} */ (body) : JSON.stringify(body);
    const res = await fetch(path.startsWith('http') ? path : base + path, init);
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    let json;
    if ((res.headers.get('content-type') || '').startsWith('application/json')) json = JSON.parse(text);
    const rid = res.headers.get('x-request-id');
    expect(REQ_ID.test(rid || ''), `${method} ${path}: X-Request-Id present`, rid);
    if (res.status >= 400) {
      expect(json && json.request_id === rid, `${method} ${path}: request_id equals X-Request-Id`, json);
      expect(json && typeof json.error.type === 'string' && typeof json.error.code === 'string' && typeof json.error.message === 'string',
        `${method} ${path}: error envelope`, json);
      expect(res.headers.get('content-type') === 'application/json; charset=utf-8', `${method} ${path}: JSON content type`);
    }
    return { status: res.status, headers: res.headers, json, text, bytes };
  }

  /** Expect an error status/type/code/param. */
  function expectError(r, status, code, param, label) {
    expect(r.status === status, `${label}: status ${status}`, r.status);
    expect(r.json?.error?.code === code, `${label}: code ${code}`, r.json?.error?.code);
    expect(r.json?.error?.param === param, `${label}: param ${param}`, r.json?.error?.param);
    if (param === undefined) expect(!('param' in (r.json?.error ?? {})), `${label}: param omitted`);
  }

  await section('auth: 401 codes, WWW-Authenticate, no RateLimit headers; 403 plan_required', async () => {
    let r = await call('GET', '/diagrams', { key: null });
    expectError(r, 401, 'missing_api_key', undefined, 'no header');
    expect(r.json.error.type === 'authentication_error', 'type authentication_error');
    expect(r.headers.get('www-authenticate') === 'Bearer', 'WWW-Authenticate: Bearer');
    expect(r.headers.get('ratelimit-limit') === null, 'no RateLimit-Limit on 401');
    r = await call('GET', '/diagrams', { key: null, headers: { Authorization: `Basic ${TEST_KEY}` } });
    expectError(r, 401, 'missing_api_key', undefined, 'Basic scheme');
    r = await call('GET', '/diagrams', { key: 'jfi_sk_test_unknownunknownunknown000' });
    expectError(r, 401, 'invalid_api_key', undefined, 'unknown key');
    expect(!r.text.includes('unknownunknown'), 'key not echoed');
    fake.addKey('jfi_sk_test_revokedrevokedrevoked0000', { status: 'revoked' });
    fake.addKey('jfi_sk_test_expiredexpiredexpired0000', { status: 'expired' });
    fake.addKey('jfi_sk_test_freefreefreefreefree00000', { plan: 'free' });
    expectError(await call('GET', '/diagrams', { key: 'jfi_sk_test_revokedrevokedrevoked0000' }), 401, 'revoked_api_key', undefined, 'revoked');
    expectError(await call('GET', '/diagrams', { key: 'jfi_sk_test_expiredexpiredexpired0000' }), 401, 'expired_api_key', undefined, 'expired');
    r = await call('GET', '/diagrams', { key: 'jfi_sk_test_freefreefreefreefree00000' });
    expectError(r, 403, 'plan_required', undefined, 'free plan');
    expect(r.json.error.type === 'permission_error', 'type permission_error');
    expect(r.headers.get('ratelimit-limit') === '120', 'RateLimit headers on authenticated 403');
  });

  await section('scope 403 insufficient_scope names the scope', async () => {
    const ro = fake.addKey('jfi_sk_test_readonlyreadonlyread00000', { scopes: ['diagrams:read'], account: 'acct_default' });
    const r = await call('POST', '/diagrams', { key: ro, body: { name: 'x', bpmn_xml: sampleBpmn() } });
    expectError(r, 403, 'insufficient_scope', undefined, 'POST /diagrams read-only');
    expect(r.json.error.message === 'This API key is missing the required scope: diagrams:write.', 'scope message', r.json.error.message);
    expect((await call('GET', '/diagrams', { key: ro })).status === 200, 'read-only key can list');
    expectError(await call('GET', `/generations/${crypto.randomUUID()}`, { key: ro }), 403, 'insufficient_scope', undefined, 'poll needs generate');
  });

  await section('routing: 404 unknown route, 405 with Allow, GET /diagrams/generate is 404', async () => {
    expectError(await call('GET', '/nothing'), 404, 'resource_not_found', undefined, 'unknown route');
    const r = await call('PUT', '/diagrams');
    expectError(r, 405, 'method_not_allowed', undefined, 'PUT /diagrams');
    expect(r.headers.get('allow') === 'GET, POST', 'Allow header', r.headers.get('allow'));
    expectError(await call('GET', '/diagrams/generate'), 404, 'resource_not_found', undefined, 'GET /diagrams/generate');
    expectError(await call('GET', '/diagrams/not-a-uuid'), 404, 'resource_not_found', undefined, 'non-UUID id');
  });

  await section('pagination: 250 items by 100, cursors, limits, invalid cursor, test/live separation', async () => {
    fake.reset();
    fake.seedDiagrams(250);
    const seen = [];
    let cursor = null;
    const sizes = [];
    let prev = null;
    for (let page = 0; page < 5; page++) {
      const r = await call('GET', `/diagrams?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}&unknown=1`);
      expect(r.status === 200, 'list 200', r.status);
      sizes.push(r.json.data.length);
      expect((r.json.next_cursor !== null) === r.json.has_more, 'next_cursor non-null exactly when has_more');
      for (const d of r.json.data) {
        if (prev) expect(prev.created_at > d.created_at || (prev.created_at === d.created_at && prev.id > d.id), 'newest first');
        prev = d;
        seen.push(d.id);
      }
      if (!r.json.has_more) break;
      cursor = r.json.next_cursor;
    }
    expect(JSON.stringify(sizes) === '[100,100,50]', 'three pages 100/100/50', sizes);
    expect(new Set(seen).size === 250, 'no duplicates, all 250 seen');
    const first = await call('GET', '/diagrams');
    const d = first.json.data[0];
    expect(first.json.data.length === 20, 'default limit 20');
    expect(d.object === 'diagram' && UUID.test(d.id) && ISO.test(d.created_at) && d.folder_id === null && d.organization_id === null && UUID.test(d.created_by),
      'diagram shape', d);
    expect(d.name === 'Diagram 250', 'newest is the last seeded', d.name);
    for (const bad of ['0', '101', 'abc', '1.5', '']) {
      expectError(await call('GET', `/diagrams?limit=${bad}`), 400, 'invalid_parameter', 'limit', `limit=${bad}`);
    }
    expectError(await call('GET', '/diagrams?cursor=garbage'), 400, 'invalid_cursor', 'cursor', 'garbled cursor');
    fake.seedFolder({ name: 'a' });
    fake.seedFolder({ name: 'b' });
    const folderCursor = (await call('GET', '/folders?limit=1')).json.next_cursor;
    expectError(await call('GET', `/diagrams?cursor=${folderCursor}`), 400, 'invalid_cursor', 'cursor', 'folder cursor on diagrams');
    const live = await call('GET', '/diagrams', { key: LIVE_KEY });
    expect(live.json.data.length === 0 && live.json.has_more === false && live.json.next_cursor === null, 'live key sees separate (empty) data', live.json);
  });

  await section('import: 201 + Location, validation 400/404/422', async () => {
    fake.reset();
    const xml = sampleBpmn('Order to cash');
    let r = await call('POST', '/diagrams', { body: { name: '  Order to cash ', bpmn_xml: xml } });
    expect(r.status === 201, 'created 201', r.status);
    expect(r.headers.get('location') === `${base}/diagrams/${r.json.id}`, 'absolute Location', r.headers.get('location'));
    expect(r.json.name === 'Order to cash', 'name trimmed');
    expect(r.headers.get('ratelimit-remaining') !== null, 'RateLimit headers on 2xx');
    const id = r.json.id;
    expectError(await call('POST', '/diagrams', { body: { bpmn_xml: xml } }), 400, 'missing_parameter', 'name', 'missing name');
    expectError(await call('POST', '/diagrams', { body: { name: 'x' } }), 400, 'missing_parameter', 'bpmn_xml', 'missing bpmn_xml');
    expectError(await call('POST', '/diagrams', { body: { name: ' ', bpmn_xml: xml } }), 400, 'invalid_parameter', 'name', 'blank name');
    expectError(await call('POST', '/diagrams', { body: { name: 'x', bpmn_xml: xml, extra: 1 } }), 400, 'invalid_parameter', 'extra', 'unknown field');
    expectError(await call('POST', '/diagrams', { body: { name: 'x', bpmn_xml: 5 } }), 400, 'invalid_parameter', 'bpmn_xml', 'non-string xml');
    expectError(await call('POST', '/diagrams', { body: '{"name":', raw: true }), 400, 'invalid_json', undefined, 'non-JSON body');
    expectError(await call('POST', '/diagrams', { body: 'x'.repeat(5 * 1024 * 1024 + 10), raw: true }), 400, 'payload_too_large', undefined, 'too large');
    expectError(await call('POST', '/diagrams', { body: { name: 'x', bpmn_xml: xml, folder_id: 'nope' } }), 400, 'invalid_parameter', 'folder_id', 'bad folder_id');
    expectError(await call('POST', '/diagrams', { body: { name: 'x', bpmn_xml: xml, folder_id: crypto.randomUUID() } }), 404, 'resource_not_found', 'folder_id', 'unknown folder');
    r = await call('POST', '/diagrams', { body: { name: 'x', bpmn_xml: '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">\n  <bpmn:process id="p">\n</bpmn:definitions>' } });
    expectError(r, 422, 'validation_failed', 'bpmn_xml', 'mismatched tag');
    expect(/not well-formed.*line 3, column 1/.test(r.json.error.message), 'message gives line/column', r.json.error.message);
    expect(r.json.error.type === 'validation_error', 'type validation_error');
    r = await call('POST', '/diagrams', { body: { name: 'x', bpmn_xml: '<definitions xmlns="http://example.com/other"><process/></definitions>' } });
    expectError(r, 422, 'validation_failed', 'bpmn_xml', 'wrong namespace');
    expect(/namespace/.test(r.json.error.message), 'message names the namespace problem', r.json.error.message);
    r = await call('POST', '/diagrams', { body: { name: 'x', bpmn_xml: '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>' } });
    expectError(r, 422, 'validation_failed', 'bpmn_xml', 'no process');
    expect(/no <process>/.test(r.json.error.message), 'message says no process', r.json.error.message);
    expectError(await call('POST', '/diagrams', { body: { name: 'x', bpmn_xml: 'plain text' } }), 422, 'validation_failed', 'bpmn_xml', 'not XML');
    expectError(await call('POST', '/diagrams', { body: { name: 'x', bpmn_xml: xml + '<extra/>' } }), 422, 'validation_failed', 'bpmn_xml', 'two roots');
    expectError(await call('POST', '/diagrams', { body: { name: 'x', bpmn_xml: xml.replace('name="Start"', 'name="A & B"') } }), 422, 'validation_failed', 'bpmn_xml', 'bare &');
    expect((await call('POST', '/diagrams', { body: { name: 'x', bpmn_xml: xml }, headers: { 'Content-Type': 'text/plain' } })).json.error.code === 'invalid_json', 'non-JSON content type');

    r = await call('GET', `/diagrams/${id}/bpmn`);
    expect(r.status === 200 && r.text === xml, 'export verbatim');
    expect(r.headers.get('content-type') === 'application/xml; charset=utf-8', 'export content type', r.headers.get('content-type'));
    expect(r.headers.get('content-disposition').startsWith('attachment; filename="Order to cash.bpmn"'), 'disposition', r.headers.get('content-disposition'));
    const q = fake.seedDiagram({ name: 'Say "hi"' });
    r = await call('GET', `/diagrams/${q.id}/bpmn`);
    expect(r.headers.get('content-disposition').startsWith('attachment; filename="Say _hi_.bpmn"'), 'quotes sanitised', r.headers.get('content-disposition'));
  });

  await section('diagram retrieve / update / delete', async () => {
    const folder = fake.seedFolder({ name: 'F' });
    const d = fake.seedDiagram({ name: 'D' });
    let r = await call('GET', `/diagrams/${d.id}`);
    expect(r.status === 200 && r.json.id === d.id && r.json.name === 'D', 'retrieve');
    r = await call('PATCH', `/diagrams/${d.id}`, { body: {} });
    expect(r.status === 200 && r.json.updated_at === d.updated_at, 'PATCH {} unchanged');
    r = await call('PATCH', `/diagrams/${d.id}`, { body: { name: 'D2', folder_id: folder.id } });
    expect(r.json.name === 'D2' && r.json.folder_id === folder.id && r.json.updated_at > d.updated_at, 'PATCH name + folder', r.json);
    expectError(await call('DELETE', `/folders/${folder.id}`), 409, 'conflict', undefined, 'folder with a diagram');
    r = await call('PATCH', `/diagrams/${d.id}`, { body: { folder_id: null } });
    expect(r.json.folder_id === null, 'PATCH folder_id null → root');
    expectError(await call('PATCH', `/diagrams/${d.id}`, { body: { bpmn_xml: 'x' } }), 400, 'invalid_parameter', 'bpmn_xml', 'PATCH bpmn_xml unsupported');
    expectError(await call('PATCH', `/diagrams/${d.id}`, { body: { folder_id: crypto.randomUUID() } }), 404, 'resource_not_found', 'folder_id', 'PATCH unknown folder');
    r = await call('DELETE', `/diagrams/${d.id}`);
    expect(r.status === 204 && r.bytes.length === 0, '204 no body');
    expectError(await call('DELETE', `/diagrams/${d.id}`), 404, 'resource_not_found', undefined, 'second delete');
    expectError(await call('GET', `/diagrams/${d.id}/image`), 404, 'resource_not_found', undefined, 'image of deleted');
  });

  await section('image: PNG chunks + CRC, themes differ, SVG, bad theme/format', async () => {
    const d = fake.seedDiagram({ name: 'Quarterly invoice approval' });
    const light = await call('GET', `/diagrams/${d.id}/image`);
    expect(light.status === 200 && light.headers.get('content-type') === 'image/png', 'PNG content type');
    const lp = parsePng(light.bytes);
    expect(lp.signatureOk, 'PNG signature');
    expect(lp.crcOk, 'all chunk CRCs valid');
    expect(lp.types[0] === 'IHDR' && lp.types.includes('IDAT') && lp.types[lp.types.length - 1] === 'IEND', 'IHDR..IDAT..IEND', lp.types);
    expect(lp.rawLength === (lp.width * 3 + 1) * lp.height, 'IDAT inflates to the raster size');
    expect(light.bytes.length < 20000, 'PNG under 20 KB', light.bytes.length);
    const dark = parsePng((await call('GET', `/diagrams/${d.id}/image?theme=dark&format=png`)).bytes);
    expect(dark.crcOk && JSON.stringify(dark.firstPixel) !== JSON.stringify(lp.firstPixel), 'dark pixels differ', [lp.firstPixel, dark.firstPixel]);
    const other = parsePng((await call('GET', `/diagrams/${fake.seedDiagram({ name: 'x' }).id}/image`)).bytes);
    expect(other.width !== lp.width, 'width depends on the diagram', [other.width, lp.width]);
    const svg = await call('GET', `/diagrams/${d.id}/image?format=svg&theme=dark`);
    expect(svg.headers.get('content-type') === 'image/svg+xml', 'SVG content type');
    expect(svg.text.startsWith('<?xml') && svg.text.includes('<svg xmlns="http://www.w3.org/2000/svg"'), 'SVG root');
    expect(svg.text.includes('<title>Quarterly invoice approval</title>') && svg.text.includes('#1e1e1e'), 'SVG title + dark colours');
    expectError(await call('GET', `/diagrams/${d.id}/image?theme=Dark`), 400, 'invalid_parameter', 'theme', 'theme=Dark');
    expectError(await call('GET', `/diagrams/${d.id}/image?format=gif`), 400, 'invalid_parameter', 'format', 'format=gif');
  });

  await section('image redirect and json modes, image host without auth', async () => {
    const d = fake.seedDiagram({ name: 'Redirected' });
    fake.settings.imageMode = 'redirect';
    const r = await call('GET', `/diagrams/${d.id}/image?theme=dark&format=svg`);
    const location = r.headers.get('location') || '';
    expect(r.status === 302 && location.startsWith(fake.imageOrigin + '/'), '302 to image host', [r.status, location]);
    expect(r.headers.get('ratelimit-limit') !== null, 'redirect has RateLimit headers');
    fake.clearRequests();
    const img = await fetch(location);
    expect(img.status === 200 && img.headers.get('content-type') === 'image/svg+xml', 'image host serves the bytes');
    expect((await img.text()).includes('<title>Redirected</title>'), 'same picture');
    expect(fake.imageHostRequests.length === 1 && fake.imageHostRequests[0].headers.authorization === undefined, 'image host request recorded, no auth', fake.imageHostRequests);
    const followed = await fetch(`${base}/diagrams/${d.id}/image`, { headers: auth() });
    expect(followed.status === 200 && followed.headers.get('content-type') === 'image/png', 'fetch follows the redirect');
    const tampered = await fetch(location.replace(/sig=[^&]+/, 'sig=x'));
    expect(tampered.status === 403, 'bad signature refused', tampered.status);
    fake.settings.imageMode = 'json';
    const j = await call('GET', `/diagrams/${d.id}/image`);
    expect(j.status === 200 && j.json.url.startsWith(fake.imageOrigin), 'json mode {url}', j.json);
    fake.settings.imageMode = 'bytes';
  });

  await section('generation lifecycle: queued → running → succeeded; failed; quota', async () => {
    fake.reset();
    fake.settings.generation = { queuedMs: 100, runningMs: 200, intermediateStatus: 'processing' };
    const folder = fake.seedFolder({ name: 'Gen', context: 'B2B SaaS' });
    let r = await call('POST', '/diagrams/generate', {
      body: { prompt: 'Employee onboarding: HR prepares contract, IT creates accounts, manager plans first week.', folder_id: folder.id, theme: 'dark', format: 'svg' },
    });
    expect(r.status === 202 && r.json.status === 'queued' && r.json.object === 'generation', '202 queued', r.json);
    expect(r.headers.get('location') === `${base}/generations/${r.json.id}`, 'Location to generation');
    expect(r.json.image_url === null && r.json.diagram_id === null && r.json.completed_at === null && r.json.error === null, 'nulls before success');
    const gid = r.json.id;
    const statuses = new Set();
    let g;
    for (let i = 0; i < 50; i++) {
      g = (await call('GET', `/generations/${gid}`)).json;
      statuses.add(g.status);
      if (g.status === 'succeeded' || g.status === 'failed') break;
      await new Promise((res) => setTimeout(res, 40));
    }
    expect(statuses.has('processing') && g.status === 'succeeded', 'went through processing to succeeded', [...statuses]);
    expect(UUID.test(g.diagram_id) && ISO.test(g.completed_at), 'diagram_id + completed_at', g);
    expect(g.image_url === `${base}/diagrams/${g.diagram_id}/image?theme=dark&format=svg`, 'image_url', g.image_url);
    const diagram = (await call('GET', `/diagrams/${g.diagram_id}`)).json;
    expect(diagram.name === 'Employee onboarding' && diagram.folder_id === folder.id, 'saved diagram in folder, name from prompt', diagram);
    const bpmn = await call('GET', `/diagrams/${g.diagram_id}/bpmn`);
    expect(bpmn.text.includes('name="IT creates accounts"') && bpmn.text.includes('bpmndi:BPMNShape'), 'generated BPMN with tasks and DI');
    expect(fake.inspect().generations.length === 1, 'inspect sees the generation');
    const img = await call('GET', g.image_url);
    expect(img.status === 200 && img.headers.get('content-type') === 'image/svg+xml', 'image_url renders');

    r = await call('POST', '/diagrams/generate', { body: { prompt: 'Anything [fail] [slow:100]' } });
    await new Promise((res) => setTimeout(res, 150));
    g = (await call('GET', `/generations/${r.json.id}`)).json;
    expect(g.status === 'failed' && g.error.code === 'generation_failed' && g.diagram_id === null && g.image_url === null && g.completed_at, 'failed generation', g);

    expectError(await call('POST', '/diagrams/generate', { body: { prompt: '   ' } }), 400, 'invalid_parameter', 'prompt', 'blank prompt');
    expectError(await call('POST', '/diagrams/generate', { body: {} }), 400, 'missing_parameter', 'prompt', 'missing prompt');
    expectError(await call('POST', '/diagrams/generate', { body: { prompt: 'x', theme: 'blue' } }), 400, 'invalid_parameter', 'theme', 'bad theme');
    expectError(await call('POST', '/diagrams/generate', { body: { prompt: 'x', folder_id: crypto.randomUUID() } }), 404, 'resource_not_found', 'folder_id', 'unknown folder');
    expectError(await call('GET', `/generations/${crypto.randomUUID()}`), 404, 'resource_not_found', undefined, 'unknown generation');
    fake.settings.quota = 2;
    r = await call('POST', '/diagrams/generate', { body: { prompt: 'one more' } });
    expectError(r, 429, 'quota_exceeded', undefined, 'quota');
    expect(/^\d+$/.test(r.headers.get('retry-after') || ''), 'quota Retry-After', r.headers.get('retry-after'));
    expect(r.json.error.type === 'rate_limit_error', 'type rate_limit_error');
  });

  await section('folders: CRUD, 404 parent, 422 cycle, 409 non-empty', async () => {
    fake.reset();
    let r = await call('POST', '/folders', { body: { name: 'Top', context: 'Steer me' } });
    expect(r.status === 201 && r.headers.get('location') === `${base}/folders/${r.json.id}`, 'create 201 + Location');
    const top = r.json;
    expect(top.object === 'folder' && top.parent_id === null && top.context === 'Steer me' && top.organization_id === null, 'folder shape', top);
    const child = (await call('POST', '/folders', { body: { name: 'Child', parent_id: top.id } })).json;
    const grandchild = (await call('POST', '/folders', { body: { name: 'Grandchild', parent_id: child.id } })).json;
    expectError(await call('POST', '/folders', { body: { name: 'x', parent_id: crypto.randomUUID() } }), 404, 'resource_not_found', 'parent_id', 'unknown parent');
    expectError(await call('PATCH', `/folders/${top.id}`, { body: { parent_id: grandchild.id } }), 422, 'validation_failed', 'parent_id', 'cycle');
    expectError(await call('PATCH', `/folders/${top.id}`, { body: { parent_id: top.id } }), 422, 'validation_failed', 'parent_id', 'self parent');
    r = await call('PATCH', `/folders/${grandchild.id}`, { body: { parent_id: null, context: null, name: 'Moved' } });
    expect(r.status === 200 && r.json.parent_id === null && r.json.name === 'Moved', 'move to root');
    r = await call('DELETE', `/folders/${top.id}`);
    expectError(r, 409, 'conflict', undefined, 'non-empty delete');
    expect(r.json.error.type === 'conflict_error', 'type conflict_error');
    expect((await call('DELETE', `/folders/${child.id}`)).status === 204, 'delete empty child');
    expect((await call('DELETE', `/folders/${top.id}`)).status === 204, 'now top is empty');
    r = await call('GET', '/folders');
    expect(r.json.data.length === 1 && r.json.data[0].id === grandchild.id, 'list folders', r.json);
    expect((await call('GET', `/folders/${grandchild.id}`)).json.name === 'Moved', 'retrieve folder');
  });

  await section('burst limit: 429 rate_limit_exceeded with Retry-After, remaining counts down', async () => {
    fake.reset();
    fake.settings.burst = { limit: 3, windowMs: 60000 };
    const remaining = [];
    for (let i = 0; i < 3; i++) remaining.push((await call('GET', '/folders')).headers.get('ratelimit-remaining'));
    expect(JSON.stringify(remaining) === '["2","1","0"]', 'remaining 2,1,0', remaining);
    let r = await call('GET', '/folders');
    expectError(r, 429, 'rate_limit_exceeded', undefined, 'burst');
    const ra = r.headers.get('retry-after');
    expect(/^\d+$/.test(ra) && Number(ra) >= 1 && Number(ra) <= 60, 'Retry-After integer seconds', ra);
    expect(r.headers.get('ratelimit-remaining') === '0' && r.headers.get('ratelimit-reset') === ra, 'Remaining 0, Reset = delta', [r.headers.get('ratelimit-reset'), ra]);
    fake.settings.retryAfterHeader = 'http-date';
    r = await call('GET', '/folders');
    expect(!Number.isNaN(Date.parse(r.headers.get('retry-after'))), 'http-date Retry-After', r.headers.get('retry-after'));
    expect((await call('GET', '/folders', { key: LIVE_KEY })).status === 200, 'window is per key');
    fake.settings.burst = null;
  });

  await section('failure injection: destroy, html 502, failNext 503, hang, times', async () => {
    fake.reset();
    fake.injectFailure({ method: 'GET', path: '/diagrams', action: 'destroy' });
    let threw = false;
    try {
      await fetch(`${base}/diagrams`, { headers: auth() });
    } catch {
      threw = true;
    }
    expect(threw, 'destroy drops the socket');
    fake.injectFailure({ path: /^\/api\/v1\/folders/, status: 502, body: '<html><body>Bad gateway</body></html>', times: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${base}/folders`, { headers: auth() });
      expect(r.status === 502 && r.headers.get('content-type').startsWith('text/html') && (await r.text()).includes('Bad gateway'), 'html 502');
      expect(REQ_ID.test(r.headers.get('x-request-id') || ''), 'X-Request-Id on injected response');
    }
    expect((await call('GET', '/folders')).status === 200, 'times consumed');
    fake.failNext(503);
    let r = await call('GET', '/folders');
    expectError(r, 503, 'service_unavailable', undefined, 'failNext 503');
    expect(r.json.error.type === 'api_error' && r.headers.get('retry-after') === '1', 'api_error + Retry-After');
    fake.failNext(429, 'quota_exceeded');
    r = await call('POST', '/diagrams/generate', { body: { prompt: 'x' } });
    expectError(r, 429, 'quota_exceeded', undefined, 'failNext with code');
    fake.injectFailure({ path: '/diagrams', action: 'hang' });
    threw = false;
    try {
      await fetch(`${base}/diagrams`, { headers: auth(), signal: AbortSignal.timeout(200) });
    } catch {
      threw = true;
    }
    expect(threw, 'hang never answers');
    const logged = fake.requestsTo('GET', '/diagrams');
    expect(logged.length === 2 && logged[0].failure === 'destroy' && logged[1].failure === 'hang' && logged[1].status === null, 'request log marks failures', logged);
  });

  await section('request log', async () => {
    fake.reset();
    await call('POST', '/folders', { body: { name: 'Logged' } });
    const [entry] = fake.requests;
    expect(entry.method === 'POST' && entry.path === '/api/v1/folders' && entry.status === 201 && /** @type {any} */ (entry.json).name === 'Logged', 'entry fields', entry);
    expect(entry.headers.authorization === `Bearer ${TEST_KEY}` && REQ_ID.test(entry.requestId), 'headers lower-cased + requestId');
    await call('GET', '/folders?limit=5');
    expect(fake.requestsTo('GET', '/folders')[0].query.limit === '5', 'query recorded');
  });

  await section('performance: seed 5,000 and page through by 100', async () => {
    fake.reset();
    let t = process.hrtime.bigint();
    fake.seedDiagrams(5000);
    const seedMs = Number(process.hrtime.bigint() - t) / 1e6;
    expect(seedMs < 500, 'seeding 5,000 well under a second', `${seedMs.toFixed(1)} ms`);
    t = process.hrtime.bigint();
    let cursor = null;
    let total = 0;
    do {
      const r = await call('GET', `/diagrams?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      total += r.json.data.length;
      cursor = r.json.next_cursor;
    } while (cursor);
    const pageMs = Number(process.hrtime.bigint() - t) / 1e6;
    expect(total === 5000, 'walked all 5,000', total);
    console.log(`    seed 5,000: ${seedMs.toFixed(1)} ms; 50 pages: ${pageMs.toFixed(1)} ms`);
  });

  await fake.close();
  console.log(failures ? `\n${failures} of ${checks} checks FAILED` : `\nall ${checks} checks passed`);
  process.exitCode = failures ? 1 : 0;
}

const crypto = require('node:crypto');
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
