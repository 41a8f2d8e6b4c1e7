import type { IBinaryData } from 'n8n-workflow';

import { runChain, useFake } from '../support/context';

/**
 * Issue 18, finding 3: file names that keep every diagram. On 3728fa1 the name kept only
 * [A-Za-z0-9._ -]: "Заказ 1" and "Счёт 1" both became "1.bpmn", "入职流程" became "diagram.bpmn",
 * two diagrams with the same name shared a file, and "CON" passed. One rule now names every file
 * (export, image, generation; from the diagram, Content-Disposition or the id): the name in any
 * script, then the diagram id.
 */

const fake = useFake();

const NAMES = ['Заказ 1', 'Счёт 1', '入职流程', 'Invoice approval', 'Invoice approval', 'CON'];

/** Every diagram exported, as the backup example does: Get Many → Export. */
async function exportAll(): Promise<{ names: string[]; ids: string[] }> {
	const result = await runChain(fake, [
		{ name: 'List', parameters: { resource: 'diagram', operation: 'getAll', returnAll: true } },
		{ name: 'Export', parameters: { resource: 'diagram', operation: 'export', diagramId: '={{ $json.id }}' } },
	]);
	expect(result.error).toBeUndefined();
	return {
		names: result.outputs.Export.map((item) => (item.binary?.data as IBinaryData).fileName as string),
		ids: result.outputs.Export.map((item) => String(item.json.id)),
	};
}

describe('Diagram → Export file names', () => {
	it('keeps Cyrillic and Chinese names whole and gives every diagram its own file, the same ones alike included', async () => {
		const seeded = NAMES.map((name) => fake.seedDiagram({ name }));
		const { names } = await exportAll();
		const expected = [...seeded].reverse().map((diagram) => {
			const base = diagram.name === 'CON' ? '_CON' : String(diagram.name);
			return `${base} (${String(diagram.id)}).bpmn`;
		});
		expect(names).toEqual(expected);
		expect(new Set(names).size).toBe(NAMES.length);
	});

	it('gives each diagram the same file name on the next run', async () => {
		NAMES.map((name) => fake.seedDiagram({ name }));
		const first = await exportAll();
		const second = await exportAll();
		expect(first.names).toHaveLength(NAMES.length);
		expect(second.names).toEqual(first.names);
	});
});
