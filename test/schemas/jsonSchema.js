'use strict';
/**
 * The JSON-schema subset n8n's output schemas use (see n8n-nodes-base's __schema__ files): `type`
 * (a name or a list, e.g. ["string", "null"]), `properties`, `required`, `items`, and for the
 * trigger, whose events answer with different objects, `anyOf`. Inferred from real answers, and
 * checked against them, with no dependency.
 */

function typeOf(value) {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
	return typeof value; // string, boolean, object
}

const TYPE_ORDER = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];

/**
 * The schema that every one of `samples` satisfies, as tight as they allow: a key is `required`
 * when every object sample holds it; a value seen with several types gets them all (an integer
 * seen beside a fractional number is a number). Keys keep the order of the answers.
 */
function inferSchema(samples) {
	const types = new Set(samples.map(typeOf));
	if (types.has('number')) types.delete('integer');
	const schema = {};
	const ordered = TYPE_ORDER.filter((type) => types.has(type));
	schema.type = ordered.length === 1 ? ordered[0] : ordered;
	if (types.has('object')) {
		const objects = samples.filter((value) => typeOf(value) === 'object');
		const keys = [];
		for (const object of objects) for (const key of Object.keys(object)) if (!keys.includes(key)) keys.push(key);
		schema.properties = {};
		for (const key of keys) {
			schema.properties[key] = inferSchema(objects.filter((object) => key in object).map((object) => object[key]));
		}
		const required = keys.filter((key) => objects.every((object) => key in object));
		if (required.length > 0) schema.required = required;
	}
	if (types.has('array')) {
		const elements = samples.filter(Array.isArray).flat();
		if (elements.length > 0) schema.items = inferSchema(elements);
	}
	return schema;
}

/**
 * Where `value` breaks `schema` (an empty list when it fits). Stricter than JSON Schema on
 * purpose: a key the schema does not name is a finding too, so a new field in an answer fails.
 */
function schemaProblems(schema, value, at = '$') {
	if (schema.anyOf) {
		const branches = schema.anyOf.map((branch) => schemaProblems(branch, value, at));
		return branches.some((problems) => problems.length === 0) ? [] : [`${at}: fits none of anyOf (${branches.map((p) => p[0]).join('; ')})`];
	}
	const allowed = [].concat(schema.type ?? []);
	const actual = typeOf(value);
	if (allowed.length > 0 && !allowed.includes(actual) && !(actual === 'integer' && allowed.includes('number'))) {
		return [`${at}: ${actual} where the schema says ${allowed.join(' or ')}`];
	}
	const problems = [];
	if (actual === 'object' && schema.properties) {
		for (const key of schema.required ?? []) if (!(key in value)) problems.push(`${at}.${key}: missing`);
		for (const [key, item] of Object.entries(value)) {
			if (!(key in schema.properties)) problems.push(`${at}.${key}: not in the schema`);
			else problems.push(...schemaProblems(schema.properties[key], item, `${at}.${key}`));
		}
	}
	if (actual === 'array' && schema.items) {
		value.forEach((item, index) => problems.push(...schemaProblems(schema.items, item, `${at}[${index}]`)));
	}
	return problems;
}

module.exports = { inferSchema, schemaProblems };
