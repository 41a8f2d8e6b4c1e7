import { requestLines, run, useFake } from '../support/context';

const fake = useFake();

describe.each([
	['diagram', '/diagrams'],
	['folder', '/folders'],
])('%s → Get Many', (resource, path) => {
	function seed(count: number) {
		if (resource === 'diagram') return fake.seedDiagrams(count);
		return Array.from({ length: count }, (_, i) => fake.seedFolder({ name: `Folder ${i}` }));
	}

	it('Return All over 250 items makes exactly 3 requests of limit=100, newest first', async () => {
		const seeded = seed(250);
		const result = await run(fake, { resource, operation: 'getAll', returnAll: true });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(250);
		const lines = requestLines(fake);
		expect(lines).toHaveLength(3);
		expect(lines[0]).toBe(`GET ${path}?limit=100`);
		expect(fake.requests.map((r) => r.query.limit)).toEqual(['100', '100', '100']);
		expect(fake.requests[0].query.cursor).toBeUndefined();
		expect(fake.requests[1].query.cursor).toEqual(expect.any(String));
		expect(fake.requests[2].query.cursor).toEqual(expect.any(String));
		const newestFirst = [...seeded].reverse().map((entry) => entry.id);
		expect(result.items.map((item) => item.json.id)).toEqual(newestFirst);
	});

	it('Limit 30 is one request with limit=30', async () => {
		seed(80);
		const result = await run(fake, { resource, operation: 'getAll', returnAll: false, limit: 30 });
		expect(result.items).toHaveLength(30);
		expect(requestLines(fake)).toEqual([`GET ${path}?limit=30`]);
	});

	it('Limit 150 asks for 100 and then only the 50 still needed', async () => {
		seed(400);
		const result = await run(fake, { resource, operation: 'getAll', returnAll: false, limit: 150 });
		expect(result.items).toHaveLength(150);
		expect(fake.requests.map((r) => r.query.limit)).toEqual(['100', '50']);
	});

	it('an empty list gives no items and one request', async () => {
		const result = await run(fake, { resource, operation: 'getAll', returnAll: true });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(0);
		expect(requestLines(fake)).toEqual([`GET ${path}?limit=100`]);
	});
});

it('keeps paired items for every item of Get Many with several input items', async () => {
	fake.seedDiagrams(5);
	const result = await run(
		fake,
		{ resource: 'diagram', operation: 'getAll', returnAll: false, limit: 3 },
		{ input: [{ json: { run: 'a' } }, { json: { run: 'b' } }] },
	);
	expect(result.items).toHaveLength(6);
	expect(result.items.map((item) => item.pairedItem)).toEqual([
		{ item: 0 },
		{ item: 0 },
		{ item: 0 },
		{ item: 1 },
		{ item: 1 },
		{ item: 1 },
	]);
	expect(fake.requests.map((r) => r.query.limit)).toEqual(['3', '3']);
});
