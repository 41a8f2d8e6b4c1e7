/**
 * Checks on the `justFlowItApi` credential that must hold before the key is sent anywhere.
 * Shared by the node's transport (which reports them as a clear error before it makes any
 * request, and puts the key on its own requests with `authenticateOnBaseUrlOnly`) and, on n8n
 * 1.x, by the credential's `authenticate` (the last guard before a request leaves).
 */
import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

export const DEFAULT_BASE_URL = 'https://justflow.it/api/v1';

type JustFlowItEnvironment = 'production' | 'staging';

const KEY_PREFIXES: Record<JustFlowItEnvironment, string> = {
	production: 'jfi_sk_live_',
	staging: 'jfi_sk_test_',
};

interface CredentialProblem {
	/** The credential field at fault. */
	field: 'apiKey' | 'environment' | 'baseUrl';
	/** What is wrong, in one sentence. */
	message: string;
	/** How to fix it. */
	fix: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopbackHost(hostname: string): boolean {
	return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * The base URL as used: trimmed, the default when empty, without trailing slashes. This is the
 * one rule; BASE_URL_EXPRESSION states it for the credential's declarative test request.
 */
export function normalizeBaseUrl(baseUrl: unknown): string {
	const text = typeof baseUrl === 'string' ? baseUrl.trim() : '';
	return (text || DEFAULT_BASE_URL).replace(/\/+$/, '');
}

/** `normalizeBaseUrl` as an n8n expression, for declarative requests (the credential test). */
export const BASE_URL_EXPRESSION = `={{ (String($credentials.baseUrl || "").trim() || "${DEFAULT_BASE_URL}").replace(/\\/+$/, "") }}`;

/**
 * The host name of `normalizeBaseUrl` (what `new URL(…).hostname` gives), as an n8n expression
 * over the credential's own fields (`$self`), for n8n's allowed-domains check. A Base URL it
 * cannot read gives a host under .invalid, which matches no real host, so nothing is allowed.
 */
export const BASE_URL_HOST_EXPRESSION = `={{ ((String($self.baseUrl || "").trim() || "${DEFAULT_BASE_URL}").match(/^[a-z][a-z0-9+.-]*:\\/\\/(?:[^@\\/?#]*@)?(\\[[^\\]\\/?#]*\\]|[^:\\/?#]+)/i) || [null, "base-url-not-valid.invalid"])[1].toLowerCase() }}`;

/** The trimmed secret key, as an n8n expression over `$credentials`. */
const KEY_EXPRESSION = 'String($credentials.apiKey || "").trim()';

/**
 * The Authorization header of the declarative `authenticate` (n8n 2.x): the key only when
 * `findCredentialProblem` would find nothing that makes sending it unsafe, said as an n8n
 * expression: the key's prefix matches the Environment, and the Base URL is https:// (or http://
 * to loopback). Otherwise the header carries no key, and the API answers `missing_api_key`, which
 * the credential test explains. The node itself reports these problems before any request.
 */
export const BEARER_HEADER_EXPRESSION =
	'={{ "Bearer " + (' +
	`${KEY_EXPRESSION}.startsWith($credentials.environment === "staging" ? "${KEY_PREFIXES.staging}" : "${KEY_PREFIXES.production}")` +
	` && /^(https:\\/\\/|http:\\/\\/(localhost|127(\\.\\d{1,3}){3}|\\[::1\\])([:\\/?#]|$))/i.test(String($credentials.baseUrl || "").trim() || "${DEFAULT_BASE_URL}")` +
	` ? ${KEY_EXPRESSION} : "") }}`;

function environmentOf(value: unknown): JustFlowItEnvironment {
	return value === 'staging' ? 'staging' : 'production';
}

function describeKeyPrefix(apiKey: string): string {
	const match = /^jfi_sk_[a-z]+_/.exec(apiKey);
	return match ? `"${match[0]}"` : 'an unknown prefix';
}

/** The first problem that stops the credential from being used safely, or undefined. */
export function findCredentialProblem(credentials: {
	apiKey?: unknown;
	environment?: unknown;
	baseUrl?: unknown;
}): CredentialProblem | undefined {
	const apiKey = typeof credentials.apiKey === 'string' ? credentials.apiKey.trim() : '';
	const environment = environmentOf(credentials.environment);
	const expectedPrefix = KEY_PREFIXES[environment];
	if (!apiKey) {
		return {
			field: 'apiKey',
			message: 'The Just Flow It credential has no secret key',
			fix: 'Paste a secret key from Just Flow It (Settings → API keys) into the credential.',
		};
	}
	if (!apiKey.startsWith(expectedPrefix)) {
		const otherEnvironment = environment === 'production' ? 'Staging' : 'Production';
		const keyLooksLikeOther = apiKey.startsWith(
			KEY_PREFIXES[environment === 'production' ? 'staging' : 'production'],
		);
		return {
			field: 'environment',
			message: `The secret key does not match the credential's environment: ${environment === 'production' ? 'Production' : 'Staging'} keys start with "${expectedPrefix}", this one starts with ${describeKeyPrefix(apiKey)}`,
			fix: keyLooksLikeOther
				? `Set Environment to ${otherEnvironment} in the credential, or use a key that starts with "${expectedPrefix}".`
				: `Use a Just Flow It secret key that starts with "${expectedPrefix}".`,
		};
	}
	const baseUrl = normalizeBaseUrl(credentials.baseUrl);
	let parsed: URL;
	try {
		parsed = new URL(baseUrl);
	} catch {
		return {
			field: 'baseUrl',
			message: `The credential's Base URL "${baseUrl}" is not a valid URL`,
			fix: `Use the default ${DEFAULT_BASE_URL}, or a full https:// URL.`,
		};
	}
	if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
		return {
			field: 'baseUrl',
			message: `The credential's Base URL uses plain http:// to ${parsed.hostname}, which would send the key unencrypted`,
			fix: `Use https:// (the default is ${DEFAULT_BASE_URL}). Plain http:// is only allowed for localhost.`,
		};
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		return {
			field: 'baseUrl',
			message: `The credential's Base URL must start with https://, not ${parsed.protocol}//`,
			fix: `Use the default ${DEFAULT_BASE_URL}.`,
		};
	}
	return undefined;
}

/** The origin (scheme, host, port) the key may be sent to. */
export function allowedOrigin(baseUrl: unknown): string {
	return new URL(normalizeBaseUrl(baseUrl)).origin;
}

/**
 * The credential's `authenticate` where n8n does not hold the credential to its Allowed Domains
 * (n8n 1.x): adds the Bearer header, but only after checking that the key matches the environment
 * and that the request goes to the Base URL's origin, and asks n8n not to carry the header over a
 * redirect to another origin. The HTTP Request node passes its URL as `uri` (n8n's legacy request
 * options), the node's transport as `url` with `baseURL`.
 *
 * n8n 1.x before 1.123.5x copies the header onto every redirect whatever the request says, and the
 * credential cannot tell which 1.x it runs in: so a legacy request (the HTTP Request node) with the
 * key follows no redirect. The node's own requests follow redirects themselves, without the key
 * on any other origin.
 */
export async function authenticateOnBaseUrlOnly(
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const problem = findCredentialProblem(credentials);
	if (problem) throw new Error(`${problem.message}. ${problem.fix}`);
	const legacyUri = (requestOptions as IHttpRequestOptions & { uri?: unknown }).uri;
	const isLegacyRequest = requestOptions.url === undefined && typeof legacyUri === 'string';
	const url = isLegacyRequest ? legacyUri : requestOptions.url;
	const target = requestOrigin(url, requestOptions.baseURL);
	if (target !== allowedOrigin(credentials.baseUrl)) {
		throw new Error(
			`Refused to send the Just Flow It key to ${target ?? 'an unknown address'}: it is only sent to the credential's Base URL.`,
		);
	}
	return {
		...requestOptions,
		headers: { ...requestOptions.headers, Authorization: `Bearer ${String(credentials.apiKey).trim()}` },
		sendCredentialsOnCrossOriginRedirect: false,
		...(isLegacyRequest ? { followRedirect: false, followAllRedirects: false } : {}),
	};
}

/**
 * The origin of a request as axios would build it from `url` and `baseURL`: axios takes a URL
 * with a scheme, or a protocol-relative `//host/…`, as absolute and ignores `baseURL` for it.
 */
function requestOrigin(url: string | undefined, baseURL: string | undefined): string | undefined {
	try {
		if (url && /^([a-z][a-z0-9+.-]*:)?\/\//i.test(url)) return new URL(url, baseURL || 'https://base.invalid').origin;
		if (baseURL) return new URL(baseURL).origin;
	} catch {
		return undefined;
	}
	return undefined;
}
