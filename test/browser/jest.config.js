/** The real-browser suite: the package in n8n's editor, in Debian's chromium (see editor.browser.js). */
module.exports = {
	rootDir: __dirname,
	testEnvironment: 'node',
	testMatch: ['<rootDir>/*.browser.js'],
	testTimeout: 10 * 60 * 1000,
	maxWorkers: 1,
};
