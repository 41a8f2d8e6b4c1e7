/**
 * The one redaction of secret keys. Every text the node produces that can reach a user, a log or
 * an AI model — error messages, descriptions, error JSON, continue-on-fail items, body excerpts,
 * strings of JSON answers that become output items — passes through `withoutSecrets`.
 *
 * It removes two things: the exact value of every key this process has sent (whatever characters
 * it holds), and any text shaped like a key, whatever follows the `jfi_sk_<env>_` prefix up to the
 * next space, quote or angle bracket (an echoed key of another credential, or one cut or re-encoded
 * by a proxy).
 */

/** What a removed key reads as. */
const REDACTED_KEY = 'jfi_sk_…';

/**
 * A key's prefix (`jfi_sk_live_`, `jfi_sk_test_` …) and whatever follows it up to a space, a quote
 * or markup. A bare prefix (as in "Production keys start with "jfi_sk_live_"") is no key.
 */
const KEY_SHAPE = /jfi_sk_[a-z]+_[^\s"'`<>]+/gi;

/**
 * Keys this process has sent (a bounded list, so a long-lived n8n does not grow it), kept longest
 * first: a key that begins with another key is removed whole.
 */
let sentKeys: string[] = [];
const MAX_REMEMBERED_KEYS = 64;

/** Called by the transport with the key of every request it sends, so echoes of it are removed. */
export function rememberSecret(key: unknown): void {
	const value = typeof key === 'string' ? key.trim() : '';
	if (!value || sentKeys.includes(value)) return;
	sentKeys = [value, ...sentKeys].slice(0, MAX_REMEMBERED_KEYS).sort((a, b) => b.length - a.length);
}

/**
 * A text with every key replaced by `jfi_sk_…`: exact values first (a key holding a quote or "<"
 * would otherwise be cut by the shape), then key-shaped text.
 */
export function withoutSecrets(text: string): string {
	let clean = text;
	for (const key of sentKeys) {
		if (clean.includes(key)) clean = clean.split(key).join(REDACTED_KEY);
	}
	return /jfi_sk_/i.test(clean) ? clean.replace(KEY_SHAPE, REDACTED_KEY) : clean;
}

function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
	if (Array.isArray(value)) return true;
	if (!value || typeof value !== 'object') return false;
	const prototype = Object.getPrototypeOf(value) as unknown;
	return prototype === Object.prototype || prototype === null;
}

/**
 * A JSON value with every string (and property name) redacted. Returns the same value when it held
 * no secret, a redacted copy otherwise; anything that is not plain JSON (a Buffer, a class) is kept.
 */
export function withoutSecretsInJson<T>(value: T, seen = new Set<unknown>()): T {
	if (typeof value === 'string') return withoutSecrets(value) as T;
	if (!isPlainContainer(value) || seen.has(value)) return value;
	seen.add(value);
	if (Array.isArray(value)) {
		let copy: unknown[] | undefined;
		value.forEach((entry, index) => {
			const clean = withoutSecretsInJson(entry, seen);
			if (clean === entry) return;
			copy ??= [...value];
			copy[index] = clean;
		});
		return (copy ?? value) as T;
	}
	let copy: Record<string, unknown> | undefined;
	for (const [key, entry] of Object.entries(value)) {
		const cleanKey = withoutSecrets(key);
		const clean = withoutSecretsInJson(entry, seen);
		if (clean === entry && cleanKey === key) continue;
		copy ??= { ...value };
		if (cleanKey !== key) delete copy[key];
		copy[cleanKey] = clean;
	}
	return (copy ?? value) as T;
}

/** Properties of an n8n error that hold no text from the server (the node holds the parameters). */
const ERROR_PROPERTIES_KEPT = new Set(['node']);

/**
 * The error with every text redacted, in place: message, description, stack, messages, context,
 * errorResponse and the decoded failure. The HTTP client's own error under `cause` carries the
 * request (its Authorization header included), so it is replaced by a plain error with its
 * redacted message and its code.
 */
export function withoutSecretsInError<E>(error: E): E {
	if (!error || typeof error !== 'object') return typeof error === 'string' ? (withoutSecrets(error) as E) : error;
	const target = error as Record<string, unknown>;
	const cause = target.cause;
	if (cause !== undefined) {
		const { message, code } = (cause ?? {}) as { message?: unknown; code?: unknown };
		const plain = new Error(withoutSecrets(String(message ?? cause)));
		if (typeof code === 'string' || typeof code === 'number') (plain as Error & { code?: unknown }).code = code;
		target.cause = plain;
	}
	for (const name of Object.getOwnPropertyNames(target)) {
		if (name === 'cause' || ERROR_PROPERTIES_KEPT.has(name)) continue;
		const value = target[name];
		const clean = withoutSecretsInJson(value);
		if (clean === value) continue;
		try {
			target[name] = clean;
		} catch {
			// a read-only property holds nothing the node set
		}
	}
	return error;
}

/**
 * A short, redacted, plain-text excerpt of a body (markup, scripts and styles removed, spaces
 * collapsed), or undefined when nothing readable is left.
 */
export function redactedExcerpt(text: string, maxLength = 160): string | undefined {
	// Redacted before the markup goes (a key may hold "<"), and again after.
	const plain = withoutSecrets(
		withoutSecrets(text.slice(0, 20_000))
			.replace(/<script[\s\S]*?<\/script>/gi, ' ')
			.replace(/<style[\s\S]*?<\/style>/gi, ' ')
			.replace(/<[^>]+>/g, ' ')
			.replace(/\s+/g, ' ')
			.trim(),
	);
	if (!plain) return undefined;
	const shown = withoutAngleBrackets(plain);
	return shown.length > maxLength ? `${shown.slice(0, maxLength - 1)}…` : shown;
}

/**
 * A text from outside (the API's message, a page, a value the user entered) as n8n's error popup
 * can show it: the popup drops anything between angle brackets as if it were an HTML tag ("no
 * <process>" would read "no"), so they become ‹ and ›.
 */
export function withoutAngleBrackets(text: string): string {
	return text.replace(/</g, '‹').replace(/>/g, '›');
}
