import { requestLines, run, useFake } from '../support/context';

/**
 * Issue 18, finding 2: nothing is spent before every item is known to be valid. RoutingNode builds
 * and starts each item's request in turn; Generate → Create checks every item's parameters (prompt,
 * folder, format, theme, name, timeout) before the first POST of the run. On 3728fa1 the prompts
 * "Purchase approval", "  ", "Refund handling" started (and paid for) two generations, then failed.
 */

const fake = useFake();

const PROMPTS = [{ json: { prompt: 'Purchase approval' } }, { json: { prompt: '  ' } }, { json: { prompt: 'Refund handling' } }];

const generate = (extra: Record<string, unknown> = {}) => ({
	resource: 'generate',
	operation: 'create',
	prompt: '={{ $json.prompt }}',
	waitForCompletion: false,
	...extra,
});

const posts = () => requestLines(fake).filter((line) => line.startsWith('POST'));

const NOTHING_SENT =
	'Nothing was sent for any item: the node checks every item before it sends the first, so no item was created and no quota was used. Fix the item and run again, or turn on Settings → On Error → Continue to send the valid items.';

describe('Generate → Create checks every item before the first generation', () => {
	it('sends no POST when the second of three prompts is blank, and says which item', async () => {
		const result = await run(fake, generate(), { input: PROMPTS });
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('Item 2: Prompt is empty');
		expect(result.error?.description).toBe(
			`Its expression {{ $json.prompt }} gave no text for this item: check the field it maps in the input item. Describe the process to draw, for example by mapping a form field. ${NOTHING_SENT}`,
		);
	});

	it('with Continue On Fail sends exactly the two valid prompts and gives the blank one as an error item', async () => {
		const result = await run(fake, generate(), { input: PROMPTS, continueOnFail: true });
		expect(result.error).toBeUndefined();
		expect(posts()).toEqual(['POST /diagrams/generate', 'POST /diagrams/generate']);
		expect(fake.requests.map((request) => JSON.parse(request.body).prompt).sort()).toEqual(['Purchase approval', 'Refund handling']);
		expect(result.items.map((item) => item.json.status ?? item.json.error)).toEqual(['queued', 'Prompt is empty', 'queued']);
	});

	it('sends no POST when the last item asks for a format the API does not have', async () => {
		const result = await run(fake, generate({ options: { format: '={{ $json.format }}' } }), {
			input: [{ json: { prompt: 'A', format: 'PNG' } }, { json: { prompt: 'B', format: 'svg' } }, { json: { prompt: 'C', format: 'gif' } }],
		});
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('Item 3: Format "gif" is not one of png, svg');
	});

	it('sends no POST when one item names a folder that is not an ID, or a theme that does not exist', async () => {
		const result = await run(
			fake,
			generate({ options: { folderId: { __rl: true, mode: 'id', value: '={{ $json.folder }}' }, theme: '={{ $json.theme }}' } }),
			{
				input: [
					{ json: { prompt: 'A', folder: '', theme: 'dark' } },
					{ json: { prompt: 'B', folder: 'Finance', theme: 'dark' } },
					{ json: { prompt: 'C', folder: '', theme: 'sepia' } },
				],
			},
		);
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('Item 2: Folder "Finance" is not a valid ID (2 items have a problem)');
	});

	it('sends no POST when a later item has a prompt over the 10,000 characters the API takes', async () => {
		const result = await run(fake, generate(), {
			input: [{ json: { prompt: 'A' } }, { json: { prompt: 'x'.repeat(10_001) } }],
		});
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('Item 2: Prompt is too long (10001 characters)');
	});

	it('sends no POST when a later item has a Generation Timeout that is not a positive number', async () => {
		const result = await run(fake, generate({ options: { timeout: '={{ $json.timeout }}' } }), {
			input: [{ json: { prompt: 'A', timeout: 60 } }, { json: { prompt: 'B', timeout: 'soon' } }],
		});
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('Item 2: Generation Timeout "soon" is not a number greater than 0');
	});

	it('sends no POST when a later item cannot even work out its prompt expression, and says which item and that nothing was sent', async () => {
		const result = await run(fake, generate({ prompt: '={{ $json.form.answer.trim() }}' }), {
			input: [{ json: { form: { answer: 'Purchase approval' } } }, { json: {} }],
		});
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toMatch(/^Item 2: /);
		expect(result.error?.description?.slice(-NOTHING_SENT.length)).toBe(NOTHING_SENT);
	});

	it('keeps the message of a single bad item as it is', async () => {
		const result = await run(fake, generate({ prompt: '  ' }));
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('Prompt is empty');
		expect(result.error?.description).toBe('Describe the process to draw, for example by mapping a form field.');
	});

	it('sends every item when all are valid, each with its own prompt', async () => {
		const input = [{ json: { prompt: 'A' } }, { json: { prompt: 'B' } }, { json: { prompt: 'C' } }];
		const result = await run(fake, generate(), { input });
		expect(result.error).toBeUndefined();
		expect(fake.requests.map((request) => JSON.parse(request.body).prompt).sort()).toEqual(['A', 'B', 'C']);
	});
});
