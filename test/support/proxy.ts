/**
 * A tiny HTTP forward proxy on loopback, for Settings → Proxy: it forwards each request it gets
 * (absolute-form `GET http://host/path`, or a CONNECT tunnel) and logs what went through it.
 */
import * as http from 'http';
import * as net from 'net';
import type { AddressInfo } from 'net';

export interface LoopbackProxy {
	/** As the user writes it in Settings → Proxy. */
	url: string;
	/** "METHOD absolute-url" (or "CONNECT host:port") of every request that went through it. */
	requests: string[];
	/** Whether each request carried an Authorization header (by index with `requests`). */
	authorization: Array<string | undefined>;
	close(): Promise<void>;
}

export async function startProxy(): Promise<LoopbackProxy> {
	const requests: string[] = [];
	const authorization: Array<string | undefined> = [];
	const server = http.createServer((incoming, outgoing) => {
		requests.push(`${incoming.method} ${incoming.url}`);
		authorization.push(incoming.headers.authorization);
		const target = new URL(String(incoming.url));
		const forwarded = http.request(
			{
				host: target.hostname,
				port: target.port,
				method: incoming.method,
				path: `${target.pathname}${target.search}`,
				headers: { ...incoming.headers, host: target.host },
			},
			(answer) => {
				outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(outgoing);
				// A body cut off upstream is cut off here too.
				answer.on('aborted', () => outgoing.destroy());
			},
		);
		forwarded.on('error', () => outgoing.destroy());
		incoming.pipe(forwarded);
	});
	server.on('connect', (request: http.IncomingMessage, socket: net.Socket) => {
		requests.push(`CONNECT ${request.url}`);
		authorization.push(request.headers.authorization);
		const [host, port] = String(request.url).split(':');
		const upstream = net.connect(Number(port), host, () => {
			socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			upstream.pipe(socket);
			socket.pipe(upstream);
		});
		upstream.on('error', () => socket.destroy());
		socket.on('error', () => upstream.destroy());
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		authorization,
		close: async () =>
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

/** A proxy URL on 127.0.0.1 where nothing listens (a port taken and freed again): a proxy that is down. */
export async function closedPort(): Promise<{ url: string; host: string }> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` };
}
