/**
 * Many items against a tight burst limit: the node must pace itself with the RateLimit headers,
 * wait out every 429 and lose nothing. Outcomes are asserted, not timings (those are in bench/).
 */
import { run, useFake } from '../support/context';

const fake = useFake();

it('90 items against a burst limit of 30 requests per 3 s (3 windows) all succeed, each answered once', async () => {
	const diagrams = fake.seedDiagrams(90);
	fake.settings.burst = { limit: 30, windowMs: 3000 };
	const result = await run(
		fake,
		{ resource: 'diagram', operation: 'get', diagramId: '={{ $json.id }}' },
		{ input: diagrams.map((diagram) => ({ json: { id: diagram.id } })) },
	);
	expect(result.error).toBeUndefined();
	expect(result.items).toHaveLength(90);
	expect(result.items.map((item) => item.json.id)).toEqual(diagrams.map((diagram) => diagram.id));
	expect(result.items.every((item, index) => (item.pairedItem as { item: number }).item === index)).toBe(true);
	// Exactly one answered request per diagram; a request refused with 429 was sent again, nothing else.
	const answered = fake.requests.filter((request) => request.status === 200).map((request) => request.path);
	expect(answered.sort()).toEqual(diagrams.map((diagram) => `/api/v1/diagrams/${diagram.id}`).sort());
	expect(fake.requests.every((request) => request.status === 200 || request.status === 429)).toBe(true);
	// How many 429s the pacing costs depends on the machine's load: measured by `npm run bench` (scenario 3).
}, 180_000);
