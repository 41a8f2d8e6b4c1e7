/** The end-to-end suite: the packed package in a real n8n (see README.md here). */
module.exports = {
	rootDir: __dirname,
	testEnvironment: 'node',
	testMatch: ['<rootDir>/*.e2e.js'],
	testTimeout: 600000,
	maxWorkers: 1,
};
