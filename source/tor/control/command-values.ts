import type {ControlReply} from './control-reply.js';
import {quoteString, readQuoted} from './control-string.js';

const keyPattern = /^[\w/.:$-]+$/;

/** Check configuration or GETINFO keys before they go on a command line. */
export function checkKeys(keys: string[]): string[] {
	if (keys.length === 0) {
		throw new TypeError('at least one key is needed');
	}

	for (const key of keys) {
		if (!keyPattern.test(key)) {
			throw new TypeError(`not a configuration or info key: ${key}`);
		}
	}

	return keys;
}

/** `KEY="value"` pairs for SETCONF; an array repeats the key (line-list options). */
export function formatConfPairs(values: Record<string, string | number | string[]>): string[] {
	return Object.entries(values).flatMap(([key, value]) => {
		checkKeys([key]);
		return (Array.isArray(value) ? value : [value]).map(item => `${key}=${quoteString(String(item))}`);
	});
}

/** GETINFO reply lines `key=value`, or `key=` with a data block, to a record. The final `OK` is skipped. */
export function readInfoValues(reply: ControlReply): Record<string, string> {
	const values: Record<string, string> = {};
	for (const {text, data} of reply.lines) {
		const equals = text.indexOf('=');
		if (equals !== -1) {
			values[text.slice(0, equals)] = data ?? text.slice(equals + 1);
		}
	}

	return values;
}

/**
 * GETCONF reply lines `key=value` (repeated for line lists) or a bare `key` (unset) to a record of
 * lists. Tor quotes a value that would be ambiguous unquoted (e.g. one holding `"` or `\\`): unquote it.
 */
export function readConfValues(reply: ControlReply): Record<string, string[]> {
	const values: Record<string, string[]> = {};
	for (const {text} of reply.lines) {
		const equals = text.indexOf('=');
		const key = equals === -1 ? text : text.slice(0, equals);
		values[key] ??= [];
		if (equals !== -1) {
			values[key].push(unquoteWhole(text.slice(equals + 1)));
		}
	}

	return values;
}

function unquoteWhole(value: string): string {
	const quoted = value.startsWith('"') ? readQuoted(value, 0) : undefined;
	return quoted?.end === value.length ? quoted.value : value;
}
