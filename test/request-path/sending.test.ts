/**
 * Sending (issue 17, findings 1–4): every request of an item, declared or follow-up, and every
 * redirect hop is one attempt under the item's Settings and the same policy. Each test runs the
 * node through n8n's engine against the fake API and asserts what was sent and what the user is told.
 */
import { byId, requestLines, run, useFake } from '../support/context';
import { closedPort, startProxy } from '../support/proxy';
import type { LoopbackProxy } from '../support/proxy';
import { startTlsFront } from '../support/tlsFront';

const fake = useFake();

/** Fails fast on code that waits without bound (the old code waited minutes). */
const BOUNDED = 30_000;

const rateLimited = {
	status: 429,
	headers: { 'Retry-After': '1' },
	body: {
		error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Slow down.' },
		request_id: 'req_0000000000000429',
	},
};

/** A key of its own, so one test's rate-gate state cannot reach another's (gates are per key). */
function ownKey(name: string): { apiKey: string } {
	const apiKey = `jfi_sk_test_${name.toUpperCase().padEnd(24, '0').slice(0, 24)}`;
	fake.addKey(apiKey);
	return { apiKey };
}

const getDiagram = (id: unknown, extra: Record<string, unknown> = {}) => ({
	resource: 'diagram',
	operation: 'get',
	diagramId: byId(String(id)),
	...extra,
});

describe('Settings → Proxy, Timeout apply to every request of the item (finding 1)', () => {
	let proxy: LoopbackProxy;
	beforeEach(async () => {
		proxy = await startProxy();
	});
	afterEach(async () => {
		await proxy.close();
	});

	it('Render → Image through a proxy: the image, the redirect hop to the image host and the name look-up all go through it', async () => {
		const diagram = fake.seedDiagram({ name: 'Proxied' });
		fake.settings.imageMode = 'redirect';
		const result = await run(fake, {
			resource: 'render',
			operation: 'image',
			diagramId: byId(String(diagram.id)),
			options: { lookUpName: true },
			requestOptions: { proxy: proxy.url },
		});
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({ name: 'Proxied', fileName: `Proxied (${String(diagram.id)}).png` });
		expect(requestLines(fake)).toEqual([
			`GET /diagrams/${diagram.id}/image?format=png&theme=light`,
			`GET /diagrams/${diagram.id}`,
		]);
		expect(fake.imageHostRequests).toHaveLength(1);
		expect(proxy.requests).toEqual([
			`GET ${fake.baseUrl}/diagrams/${diagram.id}/image?format=png&theme=light`,
			`GET ${fake.imageOrigin}${new URL(fake.imageHostRequests[0].url, fake.imageOrigin).pathname}${new URL(fake.imageHostRequests[0].url, fake.imageOrigin).search}`,
			`GET ${fake.baseUrl}/diagrams/${diagram.id}`,
		]);
		// The key went to the API through the proxy, never to the image host.
		expect(proxy.authorization.map((header) => header !== undefined)).toEqual([true, false, true]);
	});

	it('Generate → Create through a proxy: the POST, every poll and the image download go through it', async () => {
		fake.settings.generation = { ...fake.settings.generation, queuedMs: 0, runningMs: 0 };
		const result = await run(fake, {
			resource: 'generate',
			operation: 'create',
			prompt: 'Approve an invoice: finance checks it, the manager signs it',
			options: { name: 'Invoice' },
			requestOptions: { proxy: proxy.url },
		});
		expect(result.error).toBeUndefined();
		const generationId = String(result.items[0].json.id);
		const diagramId = String(result.items[0].json.diagram_id);
		const lines = [
			'POST /diagrams/generate',
			`GET /generations/${generationId}`,
			`GET /diagrams/${diagramId}/image?format=png&theme=light`,
		];
		expect(requestLines(fake)).toEqual(lines);
		expect(proxy.requests).toEqual(lines.map((line) => line.replace(' /', ` ${fake.baseUrl}/`)));
	});

	it('a proxy that is down is blamed as the proxy, with Settings → Proxy to check, not Just Flow It (the GET retried, nothing reaches the API)', async () => {
		const diagram = fake.seedDiagram({ name: 'Behind a dead proxy' });
		const { url: deadProxy, host } = await closedPort();
		const result = await run(fake, { ...getDiagram(String(diagram.id)), requestOptions: { proxy: deadProxy } });
		expect(requestLines(fake)).toEqual([]);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe(`The proxy ${host} refused the connection`);
		expect(result.error?.description).toMatch(
			new RegExp(`^The node already retried\\. Check that the proxy in Settings → Proxy \\(${host.replace(/\./g, '\\.')}\\) is running and lets requests to the Base URL through`),
		);
	}, 20_000);

	it('a POST whose connection the proxy refuses says nothing was sent (not "may have been carried out")', async () => {
		const { url: deadProxy, host } = await closedPort();
		const result = await run(fake, { resource: 'folder', operation: 'create', name: 'Never sent', requestOptions: { proxy: deadProxy } });
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe(`The proxy ${host} refused the connection`);
		expect(result.error?.description).toMatch(
			new RegExp(`^The connection was refused, so nothing was sent and nothing was carried out\\. Check that the proxy in Settings → Proxy \\(${host.replace(/\./g, '\\.')}\\) is running, then run the node again\\.`),
		);
	});

	it('Ignore SSL Issues holds for the follow-up name look-up too, not only the image request', async () => {
		const front = await startTlsFront(fake.baseUrl);
		try {
			const diagram = fake.seedDiagram({ name: 'Self-signed' });
			const result = await run(
				fake,
				{
					resource: 'render',
					operation: 'image',
					diagramId: byId(String(diagram.id)),
					options: { lookUpName: true },
					requestOptions: { allowUnauthorizedCerts: true },
				},
				{ credentials: { baseUrl: front.baseUrl } },
			);
			expect(result.error).toBeUndefined();
			expect(result.items[0].json).toMatchObject({ name: 'Self-signed', fileName: `Self-signed (${String(diagram.id)}).png` });
			expect(requestLines(fake)).toEqual([
				`GET /diagrams/${diagram.id}/image?format=png&theme=light`,
				`GET /diagrams/${diagram.id}`,
			]);
		} finally {
			await front.close();
		}
	});

	it(
		'a generation poll that never answers is bounded by Settings → Timeout and sent again (not waited on for 300 s)',
		async () => {
			fake.settings.generation = { ...fake.settings.generation, queuedMs: 0, runningMs: 0 };
			fake.injectFailure({ method: 'GET', path: /^\/api\/v1\/generations\//, action: 'hang' });
			const result = await run(fake, {
				resource: 'generate',
				operation: 'create',
				prompt: 'Approve an invoice: finance checks it, the manager signs it',
				downloadImage: false,
				requestOptions: { timeout: 500 },
			});
			expect(result.error).toBeUndefined();
			const generationId = String(result.items[0].json.id);
			expect(result.items[0].json.status).toBe('succeeded');
			expect(requestLines(fake)).toEqual([
				'POST /diagrams/generate',
				`GET /generations/${generationId}`,
				`GET /generations/${generationId}`,
			]);
		},
		BOUNDED,
	);
});

describe('Settings → Timeout bounds an attempt as a whole, body included (finding 2)', () => {
	// 4,000 bytes at one byte per 50 ms: about 200 s of a body that is never silent for long.
	const trickling = (method: string, path: string) => ({
		method,
		path,
		action: 'trickle',
		intervalMs: 50,
		status: 200,
		body: { object: 'diagram', padding: 'x'.repeat(4000) },
	});

	it(
		'a GET whose body trickles is cut off at the Timeout and sent again',
		async () => {
			const diagram = fake.seedDiagram({ name: 'Slow body' });
			fake.injectFailure(trickling('GET', `/diagrams/${diagram.id}`));
			const result = await run(fake, getDiagram(diagram.id, { requestOptions: { timeout: 500 } }));
			expect(result.error).toBeUndefined();
			expect(result.items.map((item) => item.json.name)).toEqual(['Slow body']);
			expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`, `GET /diagrams/${diagram.id}`]);
		},
		BOUNDED,
	);

	it(
		'a POST whose body trickles fails at the Timeout, sent once and not repeated',
		async () => {
			fake.injectFailure(trickling('POST', '/folders'));
			const result = await run(fake, { resource: 'folder', operation: 'create', name: 'Slow', requestOptions: { timeout: 500 } });
			expect(requestLines(fake)).toEqual(['POST /folders']);
			expect(result.items).toEqual([]);
			expect(result.error?.message).toBe('Just Flow It did not answer in time');
			expect(result.error?.description).toBe(
				'The request may still have been carried out, so it was not repeated automatically (that could create a duplicate or use generation quota twice). Check in Just Flow It, then run the node again. Network code: ETIMEDOUT.',
			);
		},
		BOUNDED,
	);
});

describe('cancel ends an attempt in flight', () => {
	it(
		'cancelling the execution aborts a GET whose body trickles (Timeout unset): nothing is sent again, nothing is output',
		async () => {
			const diagram = fake.seedDiagram({ name: 'Cancelled' });
			fake.injectFailure({
				path: `/diagrams/${diagram.id}`,
				action: 'trickle',
				intervalMs: 50,
				status: 200,
				body: 'x'.repeat(4000),
			});
			const cancelWhen = new Promise<void>((resolve) => {
				const watch = setInterval(() => {
					if (fake.requests.length === 0) return;
					clearInterval(watch);
					resolve();
				}, 20);
			});
			const result = await run(fake, getDiagram(diagram.id), { cancelWhen });
			expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`]);
			expect(result.items).toEqual([]);
		},
		BOUNDED,
	);
});

describe('every redirect hop goes through the policy (finding 3)', () => {
	/** The API redirects the first request to itself (`?hop=1`), where `hopAnswer` is injected. */
	function redirectToSelf(id: unknown): void {
		fake.injectFailure({
			path: `/diagrams/${id}`,
			query: { hop: false },
			status: 302,
			body: '',
			headers: { Location: `${fake.baseUrl}/diagrams/${id}?hop=1` },
		});
	}

	it('a 429 on a hop to the API waits Retry-After and sends the hop again', async () => {
		const key = ownKey('hop429');
		const diagram = fake.seedDiagram({ key: key.apiKey, name: 'Hopped' });
		redirectToSelf(diagram.id);
		fake.injectFailure({ path: `/diagrams/${diagram.id}`, query: { hop: '1' }, ...rateLimited });
		const result = await run(fake, getDiagram(diagram.id), { credentials: key });
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.name)).toEqual(['Hopped']);
		expect(requestLines(fake)).toEqual([
			`GET /diagrams/${diagram.id}`,
			`GET /diagrams/${diagram.id}?hop=1`,
			`GET /diagrams/${diagram.id}?hop=1`,
		]);
		expect(fake.requests.map((request) => request.status)).toEqual([302, 429, 200]);
	});

	it('a 503 on a hop to the API is backed off and sent again (a GET)', async () => {
		const diagram = fake.seedDiagram({ name: 'Hopped' });
		redirectToSelf(diagram.id);
		fake.injectFailure({ path: `/diagrams/${diagram.id}`, query: { hop: '1' }, status: 503 });
		const result = await run(fake, getDiagram(diagram.id));
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual([
			`GET /diagrams/${diagram.id}`,
			`GET /diagrams/${diagram.id}?hop=1`,
			`GET /diagrams/${diagram.id}?hop=1`,
		]);
		expect(fake.requests.map((request) => request.status)).toEqual([302, 503, 200]);
	});

	it.each([
		[301, 'PATCH'],
		[302, 'DELETE'],
	])('a %i on a %s keeps its method and body on the hop (a GET there would report a change never made)', async (status, method) => {
		const diagram = fake.seedDiagram({ name: 'Before' });
		fake.injectFailure({
			method,
			path: `/diagrams/${diagram.id}`,
			query: { hop: false },
			status,
			body: '',
			headers: { Location: `${fake.baseUrl}/diagrams/${diagram.id}?hop=1` },
		});
		const parameters =
			method === 'PATCH'
				? { resource: 'diagram', operation: 'update', diagramId: byId(String(diagram.id)), updateFields: { name: 'After' } }
				: { resource: 'diagram', operation: 'delete', diagramId: byId(String(diagram.id)) };
		const result = await run(fake, parameters);
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual([`${method} /diagrams/${diagram.id}`, `${method} /diagrams/${diagram.id}?hop=1`]);
		if (method === 'PATCH') {
			expect(fake.requests.map((request) => request.body)).toEqual([JSON.stringify({ name: 'After' }), JSON.stringify({ name: 'After' })]);
			expect(result.items.map((item) => item.json.name)).toEqual(['After']);
		} else {
			expect(result.items.map((item) => item.json)).toEqual([{ deleted: true, id: diagram.id }]);
		}
		// What the API holds afterwards, read with a GET of its own.
		fake.clearRequests();
		const after = await run(fake, { resource: 'diagram', operation: 'get', diagramId: byId(String(diagram.id)) });
		if (method === 'PATCH') expect(after.items.map((item) => item.json.name)).toEqual(['After']);
		else expect(after.error?.message).toBe('The diagram was not found');
	});

	it('a 3xx without Location is an error that says so, not the redirect body as the diagram', async () => {
		const diagram = fake.seedDiagram({ name: 'Nowhere' });
		fake.injectFailure({
			path: `/diagrams/${diagram.id}`,
			status: 302,
			body: { object: 'diagram', id: 'not-the-diagram' },
			headers: { 'X-Request-Id': 'req_00000000000003a0' },
		});
		const result = await run(fake, getDiagram(diagram.id));
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`]);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('Just Flow It answered with a redirect (HTTP 302) that says nowhere to go');
		expect(result.error?.description).toBe(
			'The answer had no Location header, so there was nothing to follow and nothing to output. Check that the Base URL in the credential is right; if it is, try again later or contact Just Flow It support. Request ID: req_00000000000003a0.',
		);
	});

	it('endless redirects stop after 5 hops with an error', async () => {
		const diagram = fake.seedDiagram({ name: 'Loop' });
		fake.injectFailure({
			path: `/diagrams/${diagram.id}`,
			times: Infinity,
			status: 302,
			body: '',
			headers: { Location: `${fake.baseUrl}/diagrams/${diagram.id}`, 'X-Request-Id': 'req_00000000000003a1' },
		});
		const result = await run(fake, getDiagram(diagram.id));
		expect(requestLines(fake)).toEqual(Array(6).fill(`GET /diagrams/${diagram.id}`));
		expect(result.error?.message).toBe('Just Flow It redirected the request too many times');
		expect(result.error?.description).toBe(
			'The node followed 5 redirects and stopped. Check that the Base URL in the credential is right; if it is, try again later. Request ID: req_00000000000003a1.',
		);
	});
});

describe('a body cut off by a dropped connection is no answer (finding 4)', () => {
	it('a GET whose body is cut off is sent again and succeeds', async () => {
		const diagram = fake.seedDiagram({ name: 'Cut' });
		fake.injectFailure({
			method: 'GET',
			path: `/diagrams/${diagram.id}`,
			action: 'cut-off',
			status: 200,
			body: { object: 'diagram', id: diagram.id, name: 'Cut', padding: 'x'.repeat(2000) },
		});
		const result = await run(fake, getDiagram(diagram.id));
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.name)).toEqual(['Cut']);
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`, `GET /diagrams/${diagram.id}`]);
	});

	it('a POST whose body is cut off is reported as interrupted, sent once and not repeated', async () => {
		fake.injectFailure({
			method: 'POST',
			path: '/folders',
			action: 'cut-off',
			status: 201,
			body: { object: 'folder', id: 'fld_cut', name: 'Cut', padding: 'x'.repeat(2000) },
		});
		const result = await run(fake, { resource: 'folder', operation: 'create', name: 'Cut' });
		expect(requestLines(fake)).toEqual(['POST /folders']);
		expect(result.error?.message).toBe('The connection to Just Flow It was interrupted before an answer arrived');
		expect(result.error?.description).toBe(
			'The request may still have been carried out, so it was not repeated automatically (that could create a duplicate or use generation quota twice). Check in Just Flow It, then run the node again. Network code: ECONNRESET.',
		);
	});

	it.each(['file:///etc/passwd', 'ftp://127.0.0.1/diagram.png'])(
		'a redirect to %s is refused with an explanation, before anything is fetched',
		async (location) => {
			const diagram = fake.seedDiagram({ name: 'Elsewhere' });
			fake.injectFailure({
				path: `/diagrams/${diagram.id}/image`,
				status: 302,
				body: '',
				headers: { Location: location, 'X-Request-Id': 'req_00000000000003a2' },
			});
			const result = await run(fake, { resource: 'render', operation: 'image', diagramId: byId(String(diagram.id)) });
			expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}/image?format=png&theme=light`]);
			expect(result.items).toEqual([]);
			const scheme = location.split(':')[0];
			expect(result.error?.message).toBe(
				`Just Flow It redirected the request to a "${scheme}" address, which the node does not follow`,
			);
			expect(result.error?.description).toBe(
				'The node follows redirects only to http and https addresses: another kind of address (a local file, an FTP server) is not an answer from the API. Check that the Base URL in the credential is right; if it is, contact Just Flow It support. Request ID: req_00000000000003a2.',
			);
		},
	);
});

describe('a hostile server: redirects to another origin', () => {
	/** The same fake under another origin (localhost instead of 127.0.0.1): not the Base URL's. */
	const otherOrigin = () => fake.baseUrl.replace('127.0.0.1', 'localhost');

	it('a hop to another origin gets no key, and its refusal is blamed on that host', async () => {
		const diagram = fake.seedDiagram({ name: 'Moved' });
		fake.injectFailure({
			path: `/diagrams/${diagram.id}`,
			query: { hop: false },
			status: 302,
			body: '',
			headers: { Location: `${otherOrigin()}/diagrams/${diagram.id}?hop=1` },
		});
		const result = await run(fake, getDiagram(diagram.id));
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`, `GET /diagrams/${diagram.id}?hop=1`]);
		expect(fake.requests.map((request) => request.headers.authorization !== undefined)).toEqual([true, false]);
		expect(fake.requests[1].headers.host).toBe(new URL(otherOrigin()).host);
		expect(result.error?.message).toBe(`The image link was refused by ${new URL(otherOrigin()).host} (HTTP 401)`);
	});

	it('a hop that comes back to the API origin from another origin carries the key again', async () => {
		const key = ownKey('pingpong');
		const diagram = fake.seedDiagram({ key: key.apiKey, name: 'Ping pong' });
		fake.injectFailure({
			path: `/diagrams/${diagram.id}`,
			query: { hop: false },
			status: 302,
			body: '',
			headers: { Location: `${otherOrigin()}/diagrams/${diagram.id}?hop=1` },
		});
		fake.injectFailure({
			path: `/diagrams/${diagram.id}`,
			query: { hop: '1' },
			status: 307,
			body: '',
			headers: { Location: `${fake.baseUrl}/diagrams/${diagram.id}?hop=2` },
		});
		const result = await run(fake, getDiagram(diagram.id), { credentials: key });
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.name)).toEqual(['Ping pong']);
		expect(requestLines(fake)).toEqual([
			`GET /diagrams/${diagram.id}`,
			`GET /diagrams/${diagram.id}?hop=1`,
			`GET /diagrams/${diagram.id}?hop=2`,
		]);
		expect(fake.requests.map((request) => request.headers.authorization === `Bearer ${key.apiKey}`)).toEqual([true, false, true]);
	});

	it('a 429 on a hop to another origin is waited out there (Retry-After) and the hop sent again, without the key', async () => {
		const diagram = fake.seedDiagram({ name: 'Busy host' });
		fake.injectFailure({
			path: `/diagrams/${diagram.id}/image`,
			status: 302,
			body: '',
			headers: { Location: `${otherOrigin()}/diagrams/${diagram.id}/image?format=png&theme=light&hop=1` },
		});
		fake.injectFailure({ path: `/diagrams/${diagram.id}/image`, query: { hop: '1' }, ...rateLimited });
		const result = await run(fake, { resource: 'render', operation: 'image', diagramId: byId(String(diagram.id)) });
		// The fake answers the key-less third attempt 401: the point is that the 429 was waited out.
		expect(requestLines(fake)).toEqual([
			`GET /diagrams/${diagram.id}/image?format=png&theme=light`,
			`GET /diagrams/${diagram.id}/image?format=png&theme=light&hop=1`,
			`GET /diagrams/${diagram.id}/image?format=png&theme=light&hop=1`,
		]);
		expect(fake.requests.map((request) => request.status)).toEqual([302, 429, 401]);
		expect(fake.requests.map((request) => request.headers.authorization !== undefined)).toEqual([true, false, false]);
		expect(result.error?.message).toBe(`The image link was refused by ${new URL(otherOrigin()).host} (HTTP 401)`);
	});
});
