import { listSearch, requestLines, useFake } from '../support/context';

const fake = useFake();

describe('resource locator lists', () => {
	it('lists diagrams newest first with links, a page of 100 at a time', async () => {
		const diagrams = fake.seedDiagrams(130);
		const first = await listSearch(fake, 'searchDiagrams');
		expect(first.results).toHaveLength(100);
		expect(first.results[0]).toEqual({
			name: diagrams[129].name,
			value: diagrams[129].id,
			url: `https://justflow.it/app/diagrams/${diagrams[129].id}`,
		});
		expect(first.paginationToken).toEqual(expect.any(String));
		const second = await listSearch(fake, 'searchDiagrams', undefined, first.paginationToken);
		expect(second.results).toHaveLength(30);
		expect(second.paginationToken).toBeUndefined();
		expect(requestLines(fake)[0]).toBe('GET /diagrams?limit=100');
		expect(fake.requests[1].query.cursor).toBe(first.paginationToken);
	});

	it('filters folders by name, case-insensitively', async () => {
		fake.seedFolder({ name: 'Finance' });
		fake.seedFolder({ name: 'HR onboarding' });
		fake.seedFolder({ name: 'Sales Onboarding' });
		const found = await listSearch(fake, 'searchFolders', 'onboard');
		expect(found.results.map((result) => result.name).sort()).toEqual(['HR onboarding', 'Sales Onboarding']);
		expect(requestLines(fake)).toEqual(['GET /folders?limit=100']);
	});
});

it('explains a key without the read scope in the list', async () => {
	fake.addKey('jfi_sk_test_NOREAD000000000000000000', { scopes: ['generate'] });
	await expect(
		listSearch(fake, 'searchFolders', undefined, undefined, { apiKey: 'jfi_sk_test_NOREAD000000000000000000' }),
	).rejects.toThrow('The secret key lacks the "folders:read" scope this operation needs');
});
