#!/usr/bin/env node
'use strict';
/**
 * Run the fake Just Flow It API as a process (end-to-end tests against a real n8n, benchmarks).
 *
 *   node test/fake/cli.js [--port N] [--image-port N] [--burst 120/60000] [--generation-ms 3000]
 *                         [--quota N] [--image-mode bytes|redirect|json] [--seed-diagrams N]
 *                         [--seed-folders N] [--real-clock]
 *
 * Prints ONE line of JSON to stdout once listening:
 *   {"baseUrl":"http://127.0.0.1:<port>/api/v1","imageOrigin":"http://127.0.0.1:<port>","keys":{...}}
 * and runs until SIGTERM / SIGINT. Diagnostics go to stderr.
 */
const { startFakeServer, TEST_KEY, LIVE_KEY } = require('./server');

/** Extra keys the CLI always installs, so an e2e run can exercise the error paths. */
const CLI_KEYS = {
  readOnly: ['jfi_sk_test_readOnlyKey4n8nNodes0001', { scopes: ['diagrams:read', 'folders:read'], account: 'acct_default' }],
  free: ['jfi_sk_test_freePlanKey4n8nNodes0001', { plan: 'free' }],
  revoked: ['jfi_sk_test_revokedKey04n8nNodes0001', { status: 'revoked' }],
  expired: ['jfi_sk_test_expiredKey04n8nNodes0001', { status: 'expired' }],
  team: ['jfi_sk_test_teamOrgKey04n8nNodes0001', { plan: 'team', account: 'acct_team' }],
};

/**
 * @param {string[]} argv
 * @returns {Record<string, string|true>}
 */
function parseArgs(argv) {
  /** @type {Record<string, string|true>} */
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument: ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (inline !== undefined) out[name] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) out[name] = argv[++i];
    else out[name] = true;
  }
  return out;
}

/** @param {string|true|undefined} v @param {string} flag @returns {number|undefined} */
function intArg(v, flag) {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} needs a non-negative integer`);
  return n;
}

/** "120/60000" → {limit: 120, windowMs: 60000}. @param {string|true|undefined} v */
function burstArg(v) {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(String(v));
  if (!m) throw new Error('--burst needs LIMIT/WINDOW_MS, e.g. 120/60000');
  return { limit: Number(m[1]), windowMs: Number(m[2]) };
}

async function main() {
  /** @type {import('./server').FakeServer | null} */
  let fake = null;
  const stop = async () => {
    if (fake) await fake.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  const args = parseArgs(process.argv.slice(2));
  /** @type {Record<string, unknown>} */
  const settings = {};
  const burst = burstArg(args.burst);
  if (burst) settings.burst = burst;
  const generationMs = intArg(args['generation-ms'], 'generation-ms');
  if (generationMs !== undefined) {
    const queuedMs = Math.round(generationMs * 0.2);
    settings.generation = { queuedMs, runningMs: generationMs - queuedMs };
  }
  const quota = intArg(args.quota, 'quota');
  if (quota !== undefined) settings.quota = quota;
  if (args['image-mode'] !== undefined) settings.imageMode = String(args['image-mode']);

  fake = await startFakeServer({
    port: intArg(args.port, 'port'),
    imagePort: intArg(args['image-port'], 'image-port'),
    clock: args['real-clock'] ? 'real' : 'fixed',
    settings,
    keys: Object.fromEntries(Object.values(CLI_KEYS)),
  });
  const folders = intArg(args['seed-folders'], 'seed-folders') ?? 0;
  for (let i = 1; i <= folders; i++) fake.seedFolder({ name: `Folder ${i}` });
  const diagrams = intArg(args['seed-diagrams'], 'seed-diagrams') ?? 0;
  if (diagrams) fake.seedDiagrams(diagrams);

  const keys = { test: TEST_KEY, live: LIVE_KEY, ...Object.fromEntries(Object.entries(CLI_KEYS).map(([k, [key]]) => [k, key])) };
  process.stdout.write(JSON.stringify({ baseUrl: fake.baseUrl, imageOrigin: fake.imageOrigin, keys }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`fake server: ${e && e.message}\n`);
  process.exit(1);
});
