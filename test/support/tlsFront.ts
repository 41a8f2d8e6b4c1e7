/**
 * An HTTPS front for the fake on loopback, with a self-signed certificate (made by `openssl` for
 * the test run): what Settings → Ignore SSL Issues is for. It forwards every request to the fake.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';

export interface TlsFront {
	/** The fake's base URL behind the front, as https. */
	baseUrl: string;
	close(): Promise<void>;
}

export async function startTlsFront(fakeBaseUrl: string): Promise<TlsFront> {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'jfi-tls-'));
	const key = path.join(folder, 'key.pem');
	const cert = path.join(folder, 'cert.pem');
	execFileSync(
		'openssl',
		['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
		{
			stdio: 'ignore',
		},
	);
	const upstream = new URL(fakeBaseUrl);
	const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (incoming, outgoing) => {
		const forwarded = http.request(
			{ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
			(answer) => {
				outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(outgoing);
			},
		);
		forwarded.on('error', () => outgoing.destroy());
		incoming.pipe(forwarded);
	});
	fs.rmSync(folder, { recursive: true, force: true });
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		baseUrl: `https://127.0.0.1:${port}${upstream.pathname}`,
		close: async () =>
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
