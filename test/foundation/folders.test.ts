import { byId, requestLines, run, useFake } from '../support/context';

const fake = useFake();

describe('Folder operations', () => {
	it('creates a nested folder with AI context', async () => {
		const parent = fake.seedFolder({ name: 'Company' });
		const result = await run(fake, {
			resource: 'folder',
			operation: 'create',
			name: 'Onboarding processes',
			additionalFields: {
				parentId: byId(String(parent.id)),
				context: 'Customer onboarding for a B2B SaaS. Prefer swimlanes per department.',
			},
		});
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual(['POST /folders']);
		expect(JSON.parse(fake.requests[0].body)).toEqual({
			name: 'Onboarding processes',
			parent_id: parent.id,
			context: 'Customer onboarding for a B2B SaaS. Prefer swimlanes per department.',
		});
		expect(result.items[0].json).toMatchObject({ object: 'folder', parent_id: parent.id });
	});

	it('creates a top-level folder with only a name', async () => {
		const result = await run(fake, { resource: 'folder', operation: 'create', name: 'Top' });
		expect(JSON.parse(fake.requests[0].body)).toEqual({ name: 'Top' });
		expect(result.items[0].json).toMatchObject({ name: 'Top', parent_id: null, context: null });
	});

	it('refuses an empty name before any request', async () => {
		const result = await run(fake, { resource: 'folder', operation: 'create', name: '   ' });
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('Name is empty');
	});

	it('gets a folder', async () => {
		const folder = fake.seedFolder({ name: 'Finance', context: 'Accounts payable' });
		const result = await run(fake, { resource: 'folder', operation: 'get', folderId: byId(String(folder.id)) });
		expect(result.items.map((item) => item.json)).toEqual([folder]);
		expect(requestLines(fake)).toEqual([`GET /folders/${folder.id}`]);
	});

	it('moves a folder to the root, renames it and clears its context', async () => {
		const parent = fake.seedFolder({ name: 'Parent' });
		const child = fake.seedFolder({ name: 'Child', parentId: parent.id, context: 'old' });
		const result = await run(fake, {
			resource: 'folder',
			operation: 'update',
			folderId: byId(String(child.id)),
			updateFields: { name: 'Renamed', parentId: byId('root'), context: '' },
		});
		expect(result.error).toBeUndefined();
		expect(JSON.parse(fake.requests[0].body)).toEqual({ name: 'Renamed', parent_id: null, context: null });
		expect(result.items[0].json).toMatchObject({ name: 'Renamed', parent_id: null, context: null });
	});

	it('explains a move that would create a cycle', async () => {
		const parent = fake.seedFolder({ name: 'Parent' });
		const child = fake.seedFolder({ name: 'Child', parentId: parent.id });
		const result = await run(fake, {
			resource: 'folder',
			operation: 'update',
			folderId: byId(String(parent.id)),
			updateFields: { parentId: byId(String(child.id)) },
		});
		expect(result.error?.message).toBe('The folder cannot be moved into itself or one of its sub-folders');
		expect(result.error?.description).toContain('Code: validation_failed');
	});

	it('deletes an empty folder, and explains why a non-empty one stays', async () => {
		const full = fake.seedFolder({ name: 'Full' });
		fake.seedDiagram({ name: 'Inside', folderId: full.id });
		const empty = fake.seedFolder({ name: 'Empty' });
		const ok = await run(fake, { resource: 'folder', operation: 'delete', folderId: byId(String(empty.id)) });
		expect(ok.items.map((item) => item.json)).toEqual([{ deleted: true, id: empty.id }]);
		const refused = await run(fake, { resource: 'folder', operation: 'delete', folderId: byId(String(full.id)) });
		expect(refused.error?.message).toBe('The folder is not empty, so it was not deleted');
		expect(refused.error?.description).toMatch(/Move or delete its diagrams and sub-folders first/);
		expect(refused.error?.description).toMatch(/Request ID: req_[0-9a-f]{16}/);
	});
});
