import type { INodeProperties } from 'n8n-workflow';

import { binaryPropertyField, folderField, optionalTextField, sendAsApiChoice } from '../shared/descriptions';
import { DEFAULT_GENERATION_TIMEOUT_SECONDS, downloadGeneratedImage, waitForGeneration } from '../shared/generation';
import {
	checkEveryItemFirst,
	requireChoice,
	requireId,
	requireMaxLength,
	requirePositiveNumber,
	requireText,
} from '../shared/validation';
import { formatField, themeField } from './render';

/**
 * Generate: a diagram from a process described in words. Each operation's request is declared on
 * the operation; Create's body comes from the Prompt and Options fields below, and its answer
 * (the queued generation) goes through the declared waiting and download steps.
 */

const show = (...operation: string[]) => ({ resource: ['generate'], operation });

/** The API's longest prompt and name (contract §7.8). */
const MAX_PROMPT_CHARACTERS = 10_000;
const MAX_NAME_CHARACTERS = 255;

/**
 * Create's parameter checks, run for every item before the first generation is started, so one
 * bad item never costs the others' quota (checkEveryItemFirst).
 */
const createChecks = [
	requireText('prompt', 'Prompt', 'Describe the process to draw, for example by mapping a form field.'),
	requireMaxLength('prompt', 'Prompt', MAX_PROMPT_CHARACTERS),
	requireId('options.folderId', 'Folder', { optional: true }),
	requireChoice('options.format', 'Format', ['png', 'svg']),
	requireChoice('options.theme', 'Theme', ['light', 'dark']),
	requireMaxLength('options.name', 'Name', MAX_NAME_CHARACTERS),
	requirePositiveNumber('options.timeout', 'Generation Timeout'),
];

export const generateOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['generate'] } },
		default: 'create',
		options: [
			{
				name: 'Create',
				value: 'create',
				action: 'Generate a BPMN diagram from a process description',
				description:
					'Turn a process described in plain words into a saved BPMN diagram; by default waits for it and returns the image',
				// body: prompt, and folder_id, format, name, theme (Options)
				routing: {
					request: { method: 'POST', url: '/diagrams/generate' },
					send: { preSend: [checkEveryItemFirst(...createChecks)] },
					output: { postReceive: [waitForGeneration, downloadGeneratedImage] },
				},
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a generation',
				description: 'Check on a generation started earlier (status, diagram ID)',
				routing: { request: { method: 'GET', url: '=/generations/{{ String($parameter.generationId).trim() }}' } },
			},
		],
	},
];

export const generateFields: INodeProperties[] = [
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder:
			'e.g. Employee onboarding: HR prepares the contract, IT creates accounts, the manager plans the first week',
		description: 'The process in plain words: the steps, who does them, and the decisions along the way',
		builderHint: {
			propertyHint:
				'Plain-language description of the process to draw (steps, roles, decisions), often mapped from a form field or an earlier AI step; at least a sentence',
			placeholderSupported: true,
		},
		displayOptions: { show: show('create') },
		routing: { send: { type: 'body', property: 'prompt' } },
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: true,
		description:
			'Whether to wait until the diagram is ready. Off: returns the queued generation at once; use Generate → Get later.',
		builderHint: {
			propertyHint:
				'Keep true (default) so the node outputs the finished diagram and its image; false only when a later Generate → Get polls for it',
		},
		displayOptions: { show: show('create') },
	},
	{
		displayName: 'Download Image',
		name: 'downloadImage',
		type: 'boolean',
		default: true,
		description: 'Whether to return the rendered diagram as a binary file with the generation',
		displayOptions: { show: { ...show('create'), waitForCompletion: [true] } },
	},
	{
		...binaryPropertyField({ ...show('create'), waitForCompletion: [true], downloadImage: [true] }, 'output'),
	},
	{
		displayName: 'Simplify',
		name: 'simplify',
		type: 'boolean',
		default: true,
		description:
			"Whether to return only the generation's main fields (ID, status, name, prompt, diagram and folder IDs, format, theme, completion time) instead of everything Just Flow It sends",
		displayOptions: { show: { ...show('create'), waitForCompletion: [true] } },
	},
	{
		displayName: 'Generation takes a while. The node waits up to Options → Generation Timeout (300 seconds unless set); if that runs out, use Generate → Get with the generation ID the error gives.',
		name: 'waitNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { ...show('create'), waitForCompletion: [true] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: show('create') },
		options: [
			folderField({
				name: 'folderId',
				path: 'options.folderId',
				displayName: 'Folder',
				description: "The folder to save the diagram in; its AI context steers the generation. Empty: top level.",
				bodyProperty: 'folder_id',
			}),
			{ ...formatField, routing: { send: sendAsApiChoice('body', 'format') } },
			optionalTextField({
				displayName: 'Name',
				name: 'name',
				bodyProperty: 'name',
				placeholder: 'e.g. Employee onboarding',
				description: 'Name of the new diagram. Empty: Just Flow It picks one.',
			}),
			{ ...themeField, routing: { send: sendAsApiChoice('body', 'theme') } },
			{
				displayName: 'Generation Timeout (Seconds)',
				name: 'timeout',
				type: 'number',
				default: DEFAULT_GENERATION_TIMEOUT_SECONDS,
				typeOptions: { minValue: 1 },
				description:
					'How long to wait for the generation to finish before giving up (it keeps running in Just Flow It). Not the Timeout in Settings, which bounds each single request in milliseconds.',
			},
		],
	},
	{
		displayName: 'Generation ID',
		name: 'generationId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 5c0e1d7a-2b9f-4c3e-8a41-6f2d9b7e0c15',
		description: 'The ID of the generation, as returned by Generate → Create',
		displayOptions: { show: show('get') },
		routing: { send: { preSend: [requireId('generationId', 'Generation ID')] } },
	},
];
