import { NodeOperationError } from 'n8n-workflow';
import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
} from 'n8n-workflow';

/** n8n's Settings → Timeout when the user sets none (what RoutingNode uses for the declared request). */
const DEFAULT_TIMEOUT_MS = 300_000;

/**
 * What n8n's Settings tab says about sending: Proxy, Ignore SSL Issues and Timeout (the
 * `requestOptions` collection n8n adds to every declarative node). RoutingNode applies them only
 * to the request an operation declares; the transport applies them to every request of the item.
 */
export interface RequestSettings {
	proxy?: IHttpRequestOptions['proxy'];
	skipSslCertificateValidation?: true;
	/** Bounds each attempt as a whole: connecting, the headers and the whole body. */
	timeoutMs: number;
}

type SettingsContext = IExecuteSingleFunctions | IPollFunctions | ILoadOptionsFunctions;

/** The item's Settings, read as RoutingNode reads them (the trigger has none: n8n's defaults). */
export function requestSettingsOf(ctx: SettingsContext): RequestSettings {
	let options: IDataObject = {};
	try {
		options = (ctx.getNodeParameter('requestOptions', {}) as IDataObject) ?? {};
	} catch {
		// a node without the collection (the trigger) sends with n8n's defaults
	}
	const timeout = Number(options.timeout);
	return {
		...(typeof options.proxy === 'string' && options.proxy.trim() ? { proxy: parseProxy(ctx, options.proxy.trim()) } : {}),
		...(options.allowUnauthorizedCerts === true ? { skipSslCertificateValidation: true as const } : {}),
		timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS,
	};
}

/** `http://user:pass@host:port` as n8n's HTTP client takes it; the same checks as RoutingNode's. */
function parseProxy(ctx: SettingsContext, text: string): NonNullable<IHttpRequestOptions['proxy']> {
	let url: URL | undefined;
	try {
		url = new URL(text);
	} catch {
		url = undefined;
	}
	const missing = !url?.hostname ? 'host' : !url.port ? 'port' : undefined;
	if (!url || missing) {
		throw new NodeOperationError(ctx.getNode(), 'The proxy is not valid', {
			description: `The proxy URL does not contain a valid value for "${missing ?? 'host'}". Write it as http://host:port in Settings → Proxy.`,
		});
	}
	return {
		host: url.hostname,
		port: Number(url.port),
		protocol: url.protocol.replace(/:$/, ''),
		...(url.username ? { auth: { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } } : {}),
	};
}
