#!/usr/bin/env node
'use strict';
/**
 * Smoke test of the real-n8n infrastructure, with n8n-nodes-base nodes only:
 *
 *   Manual Trigger -> No Op -> HTTP Request (response format: file)
 *
 * The HTTP Request node downloads a small PNG from a server this script starts
 * on 127.0.0.1 (port 0), so a binary lands in n8n's filesystem binary store;
 * the script reads it back with readBinary() and compares the bytes.
 * It also runs two workflows through executeBatch() and prints timings.
 *
 *   node test/e2e/smoke.js            (installs n8n into the cache first if needed)
 *   JFI_E2E_KEEP=1 node test/e2e/smoke.js   keeps the temp n8n user folder
 */

const http = require('http');
const zlib = require('zlib');
const { prepareN8n, ensureN8nInstalled, nodeOutput } = require('./n8n-runner');

// ---- a real (tiny) PNG, built here so no fixture file is needed ----
function crc32(buf) {
  let c;
  let crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function makePng(width, height) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = [0]; // filter: none
    for (let x = 0; x < width; x++) row.push((x * 40) & 0xff, (y * 40) & 0xff, 200);
    rows.push(Buffer.from(row));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function startServer(png) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    if (req.method === 'GET' && req.url.startsWith('/diagram.png')) {
      res.writeHead(200, {
        'Content-Type': 'image/png',
        'Content-Length': png.length,
        'Content-Disposition': 'attachment; filename="diagram.png"',
      });
      res.end(png);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{"error":"not found"}');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, requests, port: server.address().port }));
  });
}

function workflow(id, port, query) {
  return {
    id,
    name: `JFI e2e smoke ${id}`,
    active: false,
    settings: { executionOrder: 'v1' },
    nodes: [
      {
        id: `${id}-trigger`,
        name: 'Start',
        type: 'n8n-nodes-base.manualTrigger',
        typeVersion: 1,
        position: [0, 0],
        parameters: {},
      },
      {
        id: `${id}-noop`,
        name: 'No Op',
        type: 'n8n-nodes-base.noOp',
        typeVersion: 1,
        position: [220, 0],
        parameters: {},
      },
      {
        id: `${id}-http`,
        name: 'Download PNG',
        type: 'n8n-nodes-base.httpRequest',
        typeVersion: 4.2,
        position: [440, 0],
        parameters: {
          method: 'GET',
          url: `=http://127.0.0.1:${port}/diagram.png?q={{ "${query}" }}`,
          options: {
            response: { response: { responseFormat: 'file', outputPropertyName: 'data' } },
          },
        },
      },
    ],
    connections: {
      Start: { main: [[{ node: 'No Op', type: 'main', index: 0 }]] },
      'No Op': { main: [[{ node: 'Download PNG', type: 'main', index: 0 }]] },
    },
  };
}

async function main() {
  const results = [];
  const check = (name, ok, detail = '') => {
    results.push({ name, ok });
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
  };
  const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;

  let t = Date.now();
  const install = await ensureN8nInstalled();
  console.log(`n8n ${install.n8nVersion} ready in ${install.dir} (${sec(Date.now() - t)})`);

  const png = makePng(4, 3);
  const { server, requests, port } = await startServer(png);
  let n8n;
  try {
    t = Date.now();
    n8n = await prepareN8n({});
    console.log(`user folder ${n8n.userFolder} prepared in ${sec(Date.now() - t)}`);

    t = Date.now();
    await n8n.importWorkflow(workflow('jfiSmoke1', port, 'one'));
    const tImport = Date.now() - t;
    t = Date.now();
    const run = await n8n.execute('jfiSmoke1');
    const tExec = Date.now() - t;
    console.log(`import ${sec(tImport)}, execute ${sec(tExec)} (one import + execute: ${sec(tImport + tExec)})`);

    check('execute finished without error', !run.data.resultData.error, run.status);
    check('No Op ran', nodeOutput(run, 'No Op').length === 1);
    const items = nodeOutput(run, 'Download PNG');
    check('HTTP Request returned one item', items.length === 1);
    const bin = items[0] && items[0].binary && items[0].binary.data;
    check('binary has mime image/png', !!bin && bin.mimeType === 'image/png', bin && bin.mimeType);
    check('binary is in the filesystem store', !!bin && /^filesystem/.test(String(bin.id)), bin && `data=${bin.data} id=${bin.id}`);
    const bytes = bin ? await n8n.readBinary(bin) : Buffer.alloc(0);
    check('readBinary returns the served PNG bytes', bytes.equals(png), `${bytes.length} bytes, file ${bin ? n8n.binaryPath(bin) : '-'}`);
    check(
      'loopback server saw the request',
      requests.some((r) => r.url === '/diagram.png?q=one'),
      requests.map((r) => `${r.method} ${r.url}`).join(', '),
    );

    // Several workflows in one n8n process.
    t = Date.now();
    await n8n.importWorkflow([workflow('jfiSmoke2', port, 'two'), workflow('jfiSmoke3', port, 'three')]);
    const tImport2 = Date.now() - t;
    t = Date.now();
    const batch = await n8n.executeBatch(['jfiSmoke1', 'jfiSmoke2', 'jfiSmoke3']);
    const tBatch = Date.now() - t;
    console.log(`import of 2 workflows ${sec(tImport2)}, execute-batch of 3 workflows ${sec(tBatch)}`);
    const allOk = ['jfiSmoke1', 'jfiSmoke2', 'jfiSmoke3'].every((id) => batch[id] && batch[id].status === 'success' && batch[id].run);
    check('execute-batch ran all three with full run data', allOk, JSON.stringify(Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, v.status]))));
    if (allOk) {
      const b3 = nodeOutput(batch.jfiSmoke3.run, 'Download PNG')[0].binary.data;
      check('binary from execute-batch reads back', (await n8n.readBinary(b3)).equals(png));
    }
    check(
      'loopback server saw the batch requests',
      ['two', 'three'].every((q) => requests.some((r) => r.url === `/diagram.png?q=${q}`)),
    );
  } catch (e) {
    check('smoke run', false, e.stack || String(e));
  } finally {
    server.close();
    if (n8n) await n8n.cleanup();
  }

  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`smoke: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
