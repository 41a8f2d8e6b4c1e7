/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	testTimeout: 120000,
	maxWorkers: 2,
	transform: {
		'^.+\\.tsx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }],
	},
};
