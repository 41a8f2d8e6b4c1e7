const { src, dest } = require('gulp');

/**
 * Copies what tsc does not next to the compiled code in dist/: the icons, the node codex files and
 * the output schemas (`__schema__/**`, which n8n serves to its editor and AI builder; the same
 * files n8n's own node-cli build copies).
 */
function buildIcons() {
	return src(
		[
			'icons/**/*.{png,svg}',
			'nodes/**/*.{png,svg}',
			'credentials/**/*.{png,svg}',
			'nodes/**/*.node.json',
			'nodes/**/__schema__/**/*.json',
		],
		{ base: '.', encoding: false },
	).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
