import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { join, resolve } from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PackageDirectoryLoader } = require('n8n-core');

const root = resolve(__dirname, '..', '..');

describe('the published package', () => {
	let unpacked: string;
	let files: string[];

	beforeAll(() => {
		// Unpacked below node_modules/ so that n8n-workflow resolves as the peer n8n provides.
		const cache = join(root, 'node_modules', '.cache');
		mkdirSync(cache, { recursive: true });
		const work = mkdtempSync(join(cache, 'jfi-pack-'));
		const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
			cwd: root,
			encoding: 'utf8',
		});
		const [packed] = JSON.parse(output) as Array<{ filename: string; files: Array<{ path: string }> }>;
		files = packed.files.map((file) => file.path).sort();
		execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', work]);
		unpacked = join(work, 'package');
	});

	afterAll(() => {
		rmSync(resolve(unpacked, '..'), { recursive: true, force: true });
	});

	it('ships only dist/, package.json, README and LICENSE', () => {
		const outside = files.filter((file) => !file.startsWith('dist/'));
		expect(outside.sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
		expect(files).toEqual(
			expect.arrayContaining([
				'dist/nodes/JustFlowIt/JustFlowIt.node.js',
				'dist/nodes/JustFlowIt/JustFlowIt.node.json',
				'dist/nodes/JustFlowItTrigger/JustFlowItTrigger.node.js',
				'dist/nodes/JustFlowItTrigger/JustFlowItTrigger.node.json',
				'dist/credentials/JustFlowItApi.credentials.js',
				'dist/icons/justflowit.svg',
				'dist/icons/justflowit.dark.svg',
				// output schemas n8n serves to its editor (one per operation; test/schemas checks them all)
				'dist/nodes/JustFlowIt/__schema__/v1.0.0/diagram/create.json',
				'dist/nodes/JustFlowIt/__schema__/v1.0.0/generate/create.json',
				'dist/nodes/JustFlowItTrigger/__schema__/v1.0.0/output.json',
			]),
		);
		expect(files.some((file) => file.includes('test'))).toBe(false);
	});

	it("gives each node's Docs link a README section that n8n opens as it is (documentationUrl, not the codex URL n8n appends its query to)", async () => {
		const loader = new PackageDirectoryLoader(unpacked);
		await loader.loadAll();
		const links = Object.values(loader.nodeTypes as Record<string, { type: { description: { documentationUrl?: string; codex?: { resources?: { primaryDocumentation?: Array<{ url: string }> } } } } }>).map(
			({ type: { description } }) => [description.documentationUrl, description.codex?.resources?.primaryDocumentation?.[0]?.url],
		);
		expect(links).toEqual([
			['https://github.com/justflowit/n8n-nodes-justflowit#operations', 'https://github.com/justflowit/n8n-nodes-justflowit#operations'],
			['https://github.com/justflowit/n8n-nodes-justflowit#trigger', 'https://github.com/justflowit/n8n-nodes-justflowit#trigger'],
		]);
	});

	it('ships no source maps (their TypeScript sources are not in the package)', () => {
		expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
		const node = readFileSync(join(unpacked, 'dist/nodes/JustFlowIt/JustFlowIt.node.js'), 'utf8');
		expect(node).not.toContain('sourceMappingURL');
	});

	it('follows the n8n community package rules', () => {
		const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
		expect(manifest.name).toBe('n8n-nodes-justflowit');
		expect(manifest.keywords).toContain('n8n-community-node-package');
		expect(manifest.license).toBe('MIT');
		expect(manifest.dependencies ?? {}).toEqual({});
		expect(manifest.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		expect(manifest.n8n).toEqual({
			n8nNodesApiVersion: 1,
			strict: true,
			credentials: ['dist/credentials/JustFlowItApi.credentials.js'],
			nodes: ['dist/nodes/JustFlowIt/JustFlowIt.node.js', 'dist/nodes/JustFlowItTrigger/JustFlowItTrigger.node.js'],
		});
		expect(manifest.scripts?.postinstall ?? manifest.scripts?.install ?? manifest.scripts?.preinstall).toBeUndefined();
	});

	it("loads with n8n-core's PackageDirectoryLoader from the unpacked tarball", async () => {
		const loader = new PackageDirectoryLoader(unpacked);
		await loader.loadAll();
		expect(Object.keys(loader.nodeTypes)).toEqual(['justFlowIt', 'justFlowItTrigger']);
		expect(Object.keys(loader.credentialTypes)).toEqual(['justFlowItApi']);
		const { description } = loader.nodeTypes.justFlowIt.type;
		expect(description.usableAsTool).toBe(true);
		expect(description.iconUrl).toEqual({
			light: 'icons/n8n-nodes-justflowit/dist/icons/justflowit.svg',
			dark: 'icons/n8n-nodes-justflowit/dist/icons/justflowit.dark.svg',
		});
		expect(description.codex?.categories).toEqual(['Productivity', 'Development']);
		const resources = description.properties.find((p: { name: string }) => p.name === 'resource');
		expect(resources.options.map((o: { value: string }) => o.value)).toEqual(['diagram', 'folder', 'generate', 'render']);

		const trigger = loader.nodeTypes.justFlowItTrigger.type;
		expect(trigger.description).toMatchObject({
			name: 'justFlowItTrigger',
			displayName: 'Just Flow It Trigger',
			version: 1,
			polling: true,
			inputs: [],
			credentials: [{ name: 'justFlowItApi', required: true }],
		});
		expect(trigger.description.usableAsTool).toBeUndefined();
		expect(typeof trigger.poll).toBe('function');
		expect(trigger.description.iconUrl).toEqual(description.iconUrl);
		expect(trigger.description.codex?.categories).toEqual(['Productivity', 'Development']);
		const event = trigger.description.properties.find((p: { name: string }) => p.name === 'event');
		expect(event.options.map((o: { value: string }) => o.value).sort()).toEqual(['diagramChanged', 'diagramCreated', 'folderCreated']);
		const folder = trigger.description.properties.find((p: { name: string }) => p.name === 'folderId');
		expect(folder.type).toBe('resourceLocator');
		expect(folder.modes.map((m: { name: string }) => m.name)).toEqual(['list', 'id', 'url']);
		expect(typeof trigger.methods.listSearch.searchFolders).toBe('function');
	});
});
