/**
 * Many items against a tight burst limit: the node must pace itself with the RateLimit headers,
 * wait out every 429 and lose nothing. Outcomes are asserted, not timings (those are in bench/).
 */
import { run, useFake } from '../support/context';

const fake = useFake();

it('300 items against a burst limit of 30 requests per 3 s all succeed', async () => {
	const diagrams = fake.seedDiagrams(300);
	fake.settings.burst = { limit: 30, windowMs: 3000 };
	const result = await run(
		fake,
		{ resource: 'diagram', operation: 'get', diagramId: '={{ $json.id }}' },
		{ input: diagrams.map((diagram) => ({ json: { id: diagram.id } })) },
	);
	expect(result.error).toBeUndefined();
	expect(result.items).toHaveLength(300);
	expect(result.items.map((item) => item.json.id)).toEqual(diagrams.map((diagram) => diagram.id));
	expect(result.items.every((item, index) => (item.pairedItem as { item: number }).item === index)).toBe(true);
	const answered = fake.requests.filter((request) => request.status === 200).length;
	const limited = fake.requests.filter((request) => request.status === 429).length;
	expect(answered).toBe(300);
	// Pacing by the RateLimit headers keeps the 429s rare (each costs a wasted request).
	expect(limited).toBeLessThanOrEqual(30);
}, 180_000);
