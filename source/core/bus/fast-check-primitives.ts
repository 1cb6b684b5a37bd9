import {z} from 'zod';
import {refused, type FastCheck} from './fast-check-types.js';

/**
 * The leaves of a fast check (see fast-check.ts): strings with length bounds and pattern formats,
 * finite and safe-integer numbers with bounds, each exact to what zod accepts.
 */

type Check = z.core.$ZodCheck;

/** String formats whose whole check is their pattern (uuid's pattern carries the version rules). */
const patternFormats = new Set(['uuid', 'guid', 'regex']);

export function hasChecks(checks: readonly Check[] | undefined): checks is readonly Check[] {
	return checks !== undefined && checks.length > 0;
}

export function stringCheck(schema: z.core.$ZodString): FastCheck | undefined {
	const tests: Array<(value: string) => boolean> = [];
	if (schema instanceof z.core.$ZodStringFormat) {
		const own = formatTest(schema._zod.def);
		if (!own) {
			return undefined;
		}

		tests.push(own);
	}

	for (const check of schema._zod.def.checks ?? []) {
		const test = lengthTest(check) ?? formatTest(check._zod.def);
		if (!test) {
			return undefined;
		}

		tests.push(test);
	}

	return value => (typeof value === 'string' && passesAll(tests, value) ? value : refused);
}

/** Every test passes (a plain loop: this runs for every field of every message, and allocates nothing). */
function passesAll<T>(tests: ReadonlyArray<(value: T) => boolean>, value: T): boolean {
	for (const test of tests) {
		if (!test(value)) {
			return false;
		}
	}

	return true;
}

/**
 * How this zod measures a string's length: in Unicode code points (a surrogate pair counts one) or
 * in UTF-16 units. Asked of zod itself once, so an upgrade that changes it cannot make the two differ.
 */
const countsCodePoints = z.string().max(1).safeParse('\u{1D4B3}').success;

/** A string's length as zod counts it; an array's length. */
function lengthOf(value: string | readonly unknown[]): number {
	if (typeof value !== 'string' || !countsCodePoints) {
		return value.length;
	}

	let count = value.length;
	for (let index = 0; index < value.length - 1; index++) {
		if ((value.charCodeAt(index) & 0xFC_00) === 0xD8_00 && (value.charCodeAt(index + 1) & 0xFC_00) === 0xDC_00) {
			count--;
			index++;
		}
	}

	return count;
}

/** Length bounds, on strings and arrays alike. A string's UTF-16 units bound its code points: most need no count. */
export function lengthTest(check: Check): ((value: string | readonly unknown[]) => boolean) | undefined {
	if (check instanceof z.core.$ZodCheckMinLength) {
		const {minimum} = check._zod.def;
		return value => value.length >= minimum && (value.length >= minimum * 2 || lengthOf(value) >= minimum);
	}

	if (check instanceof z.core.$ZodCheckMaxLength) {
		const {maximum} = check._zod.def;
		return value => value.length <= maximum || lengthOf(value) <= maximum;
	}

	if (check instanceof z.core.$ZodCheckLengthEquals) {
		const {length} = check._zod.def;
		return value => lengthOf(value) === length;
	}

	return undefined;
}

function formatTest(def: z.core.$ZodCheckDef | z.core.$ZodTypeDef): ((value: string) => boolean) | undefined {
	if (!('check' in def) || def.check !== 'string_format' || !('format' in def) || !('pattern' in def)) {
		return undefined;
	}

	const {format, pattern} = def;
	if (typeof format !== 'string' || !patternFormats.has(format) || !(pattern instanceof RegExp)) {
		return undefined;
	}

	return value => {
		// As zod does: a global or sticky pattern must not carry state from one test to the next.
		pattern.lastIndex = 0;
		return pattern.test(value);
	};
}

export function numberCheck(schema: z.core.$ZodNumber): FastCheck | undefined {
	const tests: Array<(value: number) => boolean> = [];
	const own = schema._zod.def;
	if (schema instanceof z.core.$ZodNumberFormat && 'format' in own) {
		const format = formatOfNumber(own.format);
		if (!format) {
			return undefined;
		}

		tests.push(format);
	}

	for (const check of own.checks ?? []) {
		const test = boundTest(check);
		if (!test) {
			return undefined;
		}

		tests.push(test);
	}

	return value => (typeof value === 'number' && Number.isFinite(value) && passesAll(tests, value) ? value : refused);
}

function formatOfNumber(format: unknown): ((value: number) => boolean) | undefined {
	return format === 'safeint' ? Number.isSafeInteger : undefined;
}

function boundTest(check: Check): ((value: number) => boolean) | undefined {
	if (check instanceof z.core.$ZodCheckNumberFormat) {
		return formatOfNumber(check._zod.def.format);
	}

	if (check instanceof z.core.$ZodCheckGreaterThan || check instanceof z.core.$ZodCheckLessThan) {
		const {value: bound, inclusive} = check._zod.def;
		if (typeof bound !== 'number') {
			return undefined;
		}

		const above = check instanceof z.core.$ZodCheckGreaterThan;
		if (above) {
			return inclusive ? value => value >= bound : value => value > bound;
		}

		return inclusive ? value => value <= bound : value => value < bound;
	}

	return undefined;
}
