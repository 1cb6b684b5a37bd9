/** Quoting and argument parsing shared by commands and replies (control-spec 2.1, 2.1.1). */

/** Quote a value for a command argument (QuotedString). Newlines become `\n` so a value can never end the command line. */
export function quoteString(value: string): string {
	const escaped = value
		.replaceAll('\\', '\\\\')
		.replaceAll('"', '\\"')
		.replaceAll('\r', '\\r')
		.replaceAll('\n', '\\n')
		.replaceAll('\t', '\\t');
	return `"${escaped}"`;
}

const simpleEscapes: Record<string, string> = {n: '\n', t: '\t', r: '\r'};

/**
 * Read a quoted string starting at `text[start] === '"'`, the way control-spec 2.1.1 advises for
 * Tor's output: `\n \t \r` and octal `\0`-`\377` are C escapes, a backslash before anything else is
 * that character. Returns the value and the index after the closing quote, or undefined if unterminated.
 */
export function readQuoted(text: string, start: number): {value: string; end: number} | undefined {
	// Octal escapes are bytes (Tor escapes non-ASCII bytes of paths that way): collect bytes, decode once.
	const bytes: number[] = [];
	let index = start + 1;
	while (index < text.length) {
		const char = text[index]!;
		if (char === '"') {
			return {value: Buffer.from(bytes).toString('utf8'), end: index + 1};
		}

		if (char !== '\\') {
			const codePoint = text.codePointAt(index)!;
			const literal = String.fromCodePoint(codePoint);
			bytes.push(...Buffer.from(literal, 'utf8'));
			index += literal.length;
			continue;
		}

		const next = text[index + 1];
		if (next === undefined) {
			return undefined;
		}

		const octal = /^[0-7]{1,3}/.exec(text.slice(index + 1, index + 4));
		if (octal) {
			bytes.push(Number.parseInt(octal[0], 8) & 0xFF);
			index += 1 + octal[0].length;
			continue;
		}

		bytes.push(...Buffer.from(simpleEscapes[next] ?? next, 'utf8'));
		index += 2;
	}

	return undefined;
}

export interface KeywordLine {
	/** Tokens before/between the `KEY=value` pairs, e.g. `['NOTICE', 'BOOTSTRAP']`. */
	positional: string[];
	/** `KEY=value` and `KEY="quoted value"` pairs, unquoted. A repeated key keeps its last value. */
	keywords: Record<string, string>;
}

const keywordPattern = /^([A-Za-z_][\w-]*)=/;

/**
 * Split a reply or event line into positional tokens and keyword arguments, e.g.
 * `NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY="Starting"`. Keys must look like
 * identifiers, so tokens such as `$FINGERPRINT=nick` stay positional.
 */
export function parseKeywordLine(text: string): KeywordLine {
	const positional: string[] = [];
	const keywords: Record<string, string> = {};
	let index = 0;
	while (index < text.length) {
		if (text[index] === ' ') {
			index++;
			continue;
		}

		const keyword = keywordPattern.exec(text.slice(index));
		if (keyword) {
			const key = keyword[1]!;
			const valueStart = index + keyword[0].length;
			if (text[valueStart] === '"') {
				const quoted = readQuoted(text, valueStart);
				if (quoted) {
					keywords[key] = quoted.value;
					index = quoted.end;
					continue;
				}
			}

			const valueEnd = indexOfSpace(text, valueStart);
			keywords[key] = text.slice(valueStart, valueEnd);
			index = valueEnd;
			continue;
		}

		const tokenEnd = indexOfSpace(text, index);
		positional.push(text.slice(index, tokenEnd));
		index = tokenEnd;
	}

	return {positional, keywords};
}

function indexOfSpace(text: string, from: number): number {
	const index = text.indexOf(' ', from);
	return index === -1 ? text.length : index;
}
