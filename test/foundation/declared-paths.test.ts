/**
 * The node's own follow-up requests (generation polls, image downloads, name look-ups, list
 * search, the trigger) use shared/constants.ts API_PATHS; the operations declare their routes in
 * resources/. Each follow-up path must be the path of a declared route, so the two cannot drift.
 */
import type { IDataObject } from 'n8n-workflow';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { JustFlowIt } = require('../../dist/nodes/JustFlowIt/JustFlowIt.node.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { API_PATHS } = require('../../dist/nodes/JustFlowIt/shared/constants.js');

/** "GET /diagrams/{id}" for every declared route, the id expression read as `{id}`. */
function declaredRoutes(): string[] {
	const properties = new JustFlowIt().description.properties as IDataObject[];
	return properties
		.filter((property) => property.name === 'operation')
		.flatMap((property) => property.options as IDataObject[])
		.map((option) => (option.routing as { request: { method: string; url: string } }).request)
		.map(({ method, url }) => `${method} ${url.replace(/^=/, '').replace(/\{\{.*?\}\}/g, '{id}')}`);
}

describe('the paths the node requests by itself', () => {
	it.each(Object.entries(API_PATHS as Record<string, string>))('API_PATHS.%s (%s) is the path of a GET an operation declares', (_name, path) => {
		expect(declaredRoutes()).toContain(`GET ${path}`);
	});
});
