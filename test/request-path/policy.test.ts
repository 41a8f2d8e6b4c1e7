/**
 * The request path's policy, defect by defect (issue 9): each test runs the node through n8n's
 * engine against the fake API and asserts what was sent and what the user is told.
 */
import type { IBinaryData, IDataObject, INodeParameters, INodeTypeDescription } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { binaryBytes, byId, byUrl, requestLines, run, useFake, TEST_KEY } from '../support/context';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useVirtualClock } = require('../harness/virtual-clock');

const fake = useFake();
const UNKNOWN_ID = '3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A key of its own, so one test's rate-gate state cannot reach another's (gates are per key). */
function ownKey(name: string): { apiKey: string } {
	const apiKey = `jfi_sk_test_${name.toUpperCase().padEnd(24, '0').slice(0, 24)}`;
	fake.addKey(apiKey);
	return { apiKey };
}

const rateLimited = (retryAfter: string) => ({
	status: 429,
	headers: { 'Retry-After': retryAfter },
	body: { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Slow down.' }, request_id: 'req_0000000000000429' },
});

describe('retries and waits', () => {
	it('a DELETE answered 429 and then 404 is reported as not found (a 429 deletes nothing)', async () => {
		fake.injectFailure({ method: 'DELETE', path: `/diagrams/${UNKNOWN_ID}`, ...rateLimited('0') });
		const result = await run(fake, { resource: 'diagram', operation: 'delete', diagramId: byId(UNKNOWN_ID) });
		expect(requestLines(fake)).toEqual([`DELETE /diagrams/${UNKNOWN_ID}`, `DELETE /diagrams/${UNKNOWN_ID}`]);
		expect(fake.requests.map((request) => request.status)).toEqual([429, 404]);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('The diagram was not found');
	});

	it('a window end the API does not report (Remaining 0, no Reset) is assumed finite: the next request fails within its bound, unsent', async () => {
		const key = ownKey('noreset');
		const diagram = fake.seedDiagram({ key: key.apiKey, name: 'Counted' });
		fake.injectFailure({
			path: `/diagrams/${diagram.id}`,
			status: 200,
			headers: { 'RateLimit-Limit': '120', 'RateLimit-Remaining': '0' },
			body: { object: 'diagram', id: diagram.id, name: 'Counted' },
		});
		const first = await run(fake, { resource: 'diagram', operation: 'get', diagramId: byId(String(diagram.id)) }, { credentials: key });
		expect(first.error).toBeUndefined();
		fake.clearRequests();
		const second = await run(
			fake,
			{ resource: 'diagram', operation: 'get', diagramId: byId(String(diagram.id)), requestOptions: { maxRateLimitWait: 2 } },
			{ credentials: key },
		);
		expect(fake.requests).toHaveLength(0);
		expect(second.error?.message).toBe('The node ran out of time waiting for a turn under the Just Flow It rate limit');
		expect(second.error?.description).toMatch(/of the 2 it may wait \(Settings → Request Options → Max Wait on Rate Limits\)/);
	});

	it('Remaining 0 without Reset, answered twice: each time one probe follows after a short wait and every item succeeds within Max Wait 30 s', async () => {
		// Issue 17 finding 10: each such answer held the key for a blind 60 s, so these items timed out.
		const key = ownKey('noresettwice');
		const diagrams = [1, 2, 3].map((n) => fake.seedDiagram({ key: key.apiKey, name: `Counted ${n}` }));
		fake.injectFailure({
			path: /^\/api\/v1\/diagrams\//,
			times: 2,
			status: 200,
			headers: { 'RateLimit-Limit': '120', 'RateLimit-Remaining': '0', 'RateLimit-Reset': null },
			body: { object: 'diagram', id: diagrams[0].id, name: 'Counted 1' },
		});
		const result = await run(
			fake,
			{ resource: 'diagram', operation: 'get', diagramId: '={{ $json.id }}', requestOptions: { maxRateLimitWait: 30 } },
			{ credentials: key, input: diagrams.map((d) => ({ json: { id: d.id } })) },
		);
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		// One request per item: nothing was refused, nothing repeated.
		expect(fake.requests.map((request) => request.status)).toEqual([200, 200, 200]);
	}, 60_000);

	it('Max Wait 0 does not wait behind a key closed by a 429: the next request fails at once, unsent', async () => {
		const key = ownKey('closed');
		const diagram = fake.seedDiagram({ key: key.apiKey, name: 'Closed' });
		fake.injectFailure({ path: `/diagrams/${diagram.id}`, ...rateLimited('30') });
		const get = { resource: 'diagram', operation: 'get', diagramId: byId(String(diagram.id)), requestOptions: { maxRateLimitWait: 0 } };
		const first = await run(fake, get, { credentials: key });
		expect(first.error?.message).toBe('Just Flow It kept answering "too many requests"');
		expect(first.error?.description).toMatch(/^Just Flow It asked the node to wait 30 seconds, more than it may wait/);
		expect(fake.requests).toHaveLength(1);
		const second = await run(fake, get, { credentials: key });
		expect(fake.requests).toHaveLength(1);
		expect(second.error?.message).toBe('The node ran out of time waiting for a turn under the Just Flow It rate limit');
	});

	it('a request that times out on a POST is sent once and not repeated', async () => {
		fake.injectFailure({ method: 'POST', path: '/folders', times: 1, action: 'hang' });
		const result = await run(fake, { resource: 'folder', operation: 'create', name: 'Slow', requestOptions: { timeout: 500 } });
		expect(requestLines(fake)).toEqual(['POST /folders']);
		expect(result.error?.message).toBe('Just Flow It did not answer in time');
		expect(result.error?.description).toMatch(/not repeated automatically/);
	});
});

describe('cancel', () => {
	it('cancelling the execution ends the node while it waits for a generation: no request after the cancel', async () => {
		// The generation would run for days and the node may wait 10 minutes: only the cancel ends it.
		fake.settings.generation = { ...fake.settings.generation, queuedMs: 1e9, runningMs: 1e9 };
		let requestsAtCancel = -1;
		const cancelWhen = new Promise<void>((resolve) => {
			const watch = setInterval(() => {
				if (!fake.requests.some((request) => request.path.includes('/generations/'))) return;
				clearInterval(watch);
				requestsAtCancel = fake.requests.length;
				resolve();
			}, 20);
		});
		// run() returns when the node's own work has settled, not merely when n8n marks the run cancelled.
		await run(fake, { resource: 'generate', operation: 'create', prompt: 'A long process', options: { timeout: 600 } }, { cancelWhen });
		expect(requestsAtCancel).toBe(2);
		expect(requestLines(fake)).toEqual(['POST /diagrams/generate', expect.stringMatching(/^GET \/generations\//)]);
	});
});

describe('cancel during a rate-limit wait', () => {
	it('cancelling the execution during a wait behind a 429 (Retry-After 600) ends it at once: no more waited time, the request not sent again', async () => {
		// The node's waits run on a simulated clock (a wait moves it on at once), so a wait the cancel
		// did not end would show as waited time and a second request here, not as a test that hangs.
		const clock = useVirtualClock(fake) as { restore(): void };
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { systemClock } = require('../../dist/nodes/JustFlowIt/shared/clock') as typeof import('../../nodes/JustFlowIt/shared/clock');
		const simulatedSleep = systemClock.sleep;
		let pressStop!: () => void;
		const cancelWhen = new Promise<void>((resolve) => (pressStop = resolve));
		let stopped = false;
		let waitedAfterStopMs = 0;
		systemClock.sleep = async (ms, signal) => {
			if (!stopped && fake.requests.length > 0) {
				// The user presses Stop as the node starts waiting; n8n aborts the execution's signal.
				stopped = true;
				pressStop();
				await new Promise((resolve) => setImmediate(resolve));
			}
			await simulatedSleep(ms, signal);
			if (stopped) waitedAfterStopMs += ms;
		};
		try {
			const key = ownKey('cancelwait');
			const diagram = fake.seedDiagram({ key: key.apiKey, name: 'Waiting' });
			fake.injectFailure({ path: `/diagrams/${diagram.id}`, ...rateLimited('600') });
			const result = await run(
				fake,
				{ resource: 'diagram', operation: 'get', diagramId: byId(String(diagram.id)), requestOptions: { maxRateLimitWait: 900 } },
				{ credentials: key, cancelWhen },
			);
			expect(stopped).toBe(true);
			expect(waitedAfterStopMs).toBe(0);
			expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`]);
			expect(result.items).toEqual([]);
		} finally {
			clock.restore();
		}
	});
});

describe('right blame', () => {
	it('an image link refused by another host (HTTP 403) is blamed on the link, sent once, never on the key', async () => {
		const diagram = fake.seedDiagram({ name: 'Expired link' });
		fake.injectFailure({
			path: `/diagrams/${diagram.id}/image`,
			status: 302,
			body: '',
			headers: { Location: `${fake.imageOrigin}/img/acct/${diagram.id}.png?theme=light&sig=expired` },
		});
		const result = await run(fake, { resource: 'render', operation: 'image', diagramId: byId(String(diagram.id)) });
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}/image?format=png&theme=light`]);
		expect(fake.imageHostRequests).toHaveLength(1);
		expect(fake.imageHostRequests[0].headers.authorization).toBeUndefined();
		const imageHost = new URL(fake.imageOrigin).host;
		expect(result.error?.message).toBe(`The image link was refused by ${imageHost} (HTTP 403)`);
		expect(result.error?.description).toMatch(/^Just Flow It handed out a link that no longer works/);
		expect(result.error?.description).not.toMatch(/scope/);
	});

	it('a 200 text/html answer from the image endpoint is an error saying what came back, not a .png file', async () => {
		const diagram = fake.seedDiagram({ name: 'Portal' });
		fake.injectFailure({
			path: `/diagrams/${diagram.id}/image`,
			status: 200,
			body: '<html><body><h1>Sign in</h1></body></html>',
		});
		const result = await run(fake, { resource: 'render', operation: 'image', diagramId: byId(String(diagram.id)) });
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('Just Flow It sent something other than a PNG image');
		expect(result.error?.description).toMatch(/^Expected image\/png, got text\/html; charset=utf-8 \("Sign in"\)\./);
	});

	it('a JSON answer to Export is an error saying what came back, not a .bpmn file', async () => {
		const diagram = fake.seedDiagram({ name: 'Not XML' });
		fake.injectFailure({ path: `/diagrams/${diagram.id}/bpmn`, status: 200, body: { status: 'ok' } });
		const result = await run(fake, { resource: 'diagram', operation: 'export', diagramId: byId(String(diagram.id)) });
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('Just Flow It sent something other than BPMN XML for the export');
		expect(result.error?.description).toMatch(/^Expected an XML document, got application\/json/);
	});

	it('a 401 with a code the node does not know is explained by its status', async () => {
		fake.injectFailure({ status: 401, code: 'key_suspended', message: 'This key is suspended.' });
		const result = await run(fake, { resource: 'diagram', operation: 'get', diagramId: byId(UNKNOWN_ID) });
		expect(result.error?.message).toBe('Just Flow It did not accept the secret key');
		expect(result.error?.description).toBe(
			'Check the secret key and the Environment in the credential; create a new key under Settings → API keys if needed. The API says: "This key is suspended." Code: key_suspended. Request ID: ' +
				`${fake.requests[0].requestId}.`,
		);
	});

	it('a 422 on a folder update without a parameter is not worded as a BPMN rejection', async () => {
		const folder = fake.seedFolder({ name: 'Strict' });
		fake.injectFailure({ method: 'PATCH', status: 422, code: 'validation_failed', message: 'Names must be unique.' });
		const result = await run(fake, { resource: 'folder', operation: 'update', folderId: byId(String(folder.id)), updateFields: { name: 'Dup' } });
		expect(result.error?.message).toBe('Just Flow It could not accept the values for this folder');
		expect(result.error?.description).toMatch(/The API says: "Names must be unique\."/);
		expect(result.error?.message).not.toMatch(/BPMN/);
	});

	it('a generation answer without an id is a clear error and nothing is polled', async () => {
		fake.injectFailure({ method: 'POST', path: '/diagrams/generate', status: 202, body: { object: 'generation', status: 'queued' } });
		const result = await run(fake, { resource: 'generate', operation: 'create', prompt: 'Anything' });
		expect(requestLines(fake)).toEqual(['POST /diagrams/generate']);
		// Read by the one reader of answers (issue 17): a POST's unusable answer may still have started the job.
		expect(result.error?.message).toBe("Just Flow It's answer is not the generation: a JSON object without an id");
		expect(result.error?.description).toMatch(/^The request may have been carried out all the same: check in Just Flow It before running again/);
	});
});

describe('ids in every form reach the declared route', () => {
	it('a link without the editor-stored regex (as imported workflows and agents give it) exports the right diagram', async () => {
		const diagram = fake.seedDiagram({ name: 'Linked' });
		const link = `https://justflow.it/app/diagrams/${diagram.id}`;
		// By URL without __regex (imported JSON); a plain string from an expression; an agent's
		// $fromAI value in By ID mode (static invalid ids are refused by n8n before the run).
		const fromExpression = `={{ "${link}" }}`;
		for (const diagramId of [byUrl(link), fromExpression, { __rl: true, mode: 'id', value: fromExpression }]) {
			fake.clearRequests();
			const result = await run(fake, { resource: 'diagram', operation: 'export', diagramId });
			expect(result.error).toBeUndefined();
			expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}/bpmn`]);
		}
	});

	it('a folder link given as a plain string in Update Fields is sent as the bare id', async () => {
		const folder = fake.seedFolder({ name: 'Target' });
		const diagram = fake.seedDiagram({ name: 'Mover' });
		const result = await run(fake, {
			resource: 'diagram',
			operation: 'update',
			diagramId: String(diagram.id),
			updateFields: { folderId: `https://justflow.it/app/folders/${folder.id}` },
		});
		expect(result.error).toBeUndefined();
		expect(JSON.parse(fake.requests[0].body)).toEqual({ folder_id: folder.id });
	});

	it('a diagram picked for Diagram → Get stays picked when the operation becomes Export or Render → Image, and those then request that diagram', async () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { loadPackage } = require('../harness/engine');
		const { nodeTypes } = await loadPackage();
		const description = nodeTypes['n8n-nodes-justflowit.justFlowIt'].description as INodeTypeDescription;
		/** The parameters n8n keeps after an edit: displayed ones that differ from their defaults (as the editor stores them). */
		const keptAfterEdit = (parameters: INodeParameters) =>
			NodeHelpers.getNodeParameters(description.properties, parameters, false, false, { typeVersion: 1 }, description) as INodeParameters;
		const diagram = fake.seedDiagram({ name: 'Picked' });
		const picked = { __rl: true, mode: 'list', value: String(diagram.id), cachedResultName: 'Picked' };

		const savedAsGet = keptAfterEdit({ resource: 'diagram', operation: 'get', diagramId: picked });
		expect(savedAsGet.diagramId).toEqual(picked);
		const asExport = keptAfterEdit({ ...savedAsGet, operation: 'export' });
		expect(asExport.diagramId).toEqual(picked);
		const asImage = keptAfterEdit({ ...asExport, resource: 'render', operation: 'image' });
		expect(asImage.diagramId).toEqual(picked);
		// For contrast, what n8n does to a value the new operation does not display: it is dropped.
		const savedAsUpdate = keptAfterEdit({ resource: 'diagram', operation: 'update', diagramId: picked, updateFields: { name: 'New name' } });
		expect(savedAsUpdate.updateFields).toEqual({ name: 'New name' });
		expect(keptAfterEdit({ ...savedAsUpdate, operation: 'export' })).toEqual({ resource: 'diagram', operation: 'export', diagramId: picked });

		for (const [parameters, line] of [
			[asExport, `GET /diagrams/${diagram.id}/bpmn`],
			[asImage, `GET /diagrams/${diagram.id}/image?format=png&theme=light`],
		] as const) {
			fake.clearRequests();
			const result = await run(fake, parameters as IDataObject);
			expect(result.error).toBeUndefined();
			expect(requestLines(fake)).toEqual([line]);
		}
	});
});

describe('one request per rendered image', () => {
	it('renders ids from an expression with exactly one request each, files named after the ids', async () => {
		const diagrams = [fake.seedDiagram({ name: 'One' }), fake.seedDiagram({ name: 'Two' })];
		const result = await run(
			fake,
			{ resource: 'render', operation: 'image', diagramId: '={{ $json.diagram }}' },
			{ input: diagrams.map((diagram) => ({ json: { diagram: diagram.id } })) },
		);
		expect(result.error).toBeUndefined();
		expect(requestLines(fake).sort()).toEqual(
			diagrams.map((diagram) => `GET /diagrams/${diagram.id}/image?format=png&theme=light`).sort(),
		);
		const files = result.items.map((item) => item.binary?.data as IBinaryData);
		expect(files.map((file) => file.fileName)).toEqual(diagrams.map((diagram) => `diagram-${diagram.id}.png`));
		expect((await binaryBytes(files[0])).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
		expect(fake.requests.every((request) => request.headers.authorization === `Bearer ${TEST_KEY}`)).toBe(true);
	});
});

describe('Custom API Call (the entry n8n 2.x adds to Resource and Operation)', () => {
	it('picking Custom API Call fails with a pointer to the HTTP Request node and sends nothing', async () => {
		for (const parameters of [
			{ resource: '__CUSTOM_API_CALL__' },
			{ resource: 'diagram', operation: '__CUSTOM_API_CALL__' },
		]) {
			fake.clearRequests();
			const result = await run(fake, parameters);
			expect(fake.requests).toEqual([]);
			expect(result.error?.message).toBe("Custom API Call runs in n8n's HTTP Request node, not in this node");
			expect(result.error?.description).toMatch(/^Add an HTTP Request node, set Authentication to Predefined Credential Type/);
		}
	});
});
