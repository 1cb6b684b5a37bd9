import {z} from 'zod';

/** What a fast check returns for a value its schema refuses. */
export const refused: unique symbol = Symbol('refused');

/**
 * A zod schema compiled to a plain function: the schema's output for a value it accepts (unknown
 * keys stripped, as zod does), `refused` for one it refuses. Exact both ways: it accepts what the
 * schema accepts and nothing else, so a refusal needs zod only for its error message.
 */
export type FastCheck = (value: unknown) => unknown;

type Schema = z.core.$ZodType;
type Check = z.core.$ZodCheck;

/** String formats whose whole check is their pattern (uuid's pattern carries the version rules). */
const patternFormats = new Set(['uuid', 'guid', 'regex']);

/**
 * Compile `schema` from its definition, or undefined when it uses anything this does not know
 * exactly (refinements, transforms, defaults, coercion, other formats, catch-all objects...): the
 * caller then keeps zod. Covers what the wire messages use: objects (stripped or strict), strings
 * with length bounds and pattern formats, finite and safe-integer numbers with bounds, booleans,
 * null, enums, literals, optional, nullable, arrays, unions and discriminated unions, unknown.
 */
export function compileFastCheck(schema: Schema): FastCheck | undefined {
	const def = schema._zod.def;
	if ('coerce' in def && def.coerce) {
		return undefined;
	}

	if (schema instanceof z.core.$ZodString) {
		return stringCheck(schema);
	}

	if (schema instanceof z.core.$ZodNumber) {
		return numberCheck(schema);
	}

	if (schema instanceof z.core.$ZodArray) {
		return arrayCheck(schema);
	}

	if (hasChecks(def.checks)) {
		// A refinement on any other type: zod keeps it.
		return undefined;
	}

	if (schema instanceof z.core.$ZodBoolean) {
		return value => (typeof value === 'boolean' ? value : refused);
	}

	if (schema instanceof z.core.$ZodNull) {
		return value => (value === null ? value : refused);
	}

	if (schema instanceof z.core.$ZodUnknown || schema instanceof z.core.$ZodAny) {
		return value => value;
	}

	if (schema instanceof z.core.$ZodLiteral || schema instanceof z.core.$ZodEnum) {
		const values: ReadonlySet<unknown> | undefined = schema._zod.values;
		return values && (value => (values.has(value) ? value : refused));
	}

	if (schema instanceof z.core.$ZodOptional) {
		const inner = compileFastCheck(schema._zod.def.innerType);
		return inner && (value => (value === undefined ? undefined : inner(value)));
	}

	if (schema instanceof z.core.$ZodNullable) {
		const inner = compileFastCheck(schema._zod.def.innerType);
		return inner && (value => (value === null ? null : inner(value)));
	}

	if (schema instanceof z.core.$ZodObject) {
		return objectCheck(schema);
	}

	if (schema instanceof z.core.$ZodDiscriminatedUnion) {
		return discriminatedUnionCheck(schema);
	}

	if (schema instanceof z.core.$ZodUnion) {
		return unionCheck(schema._zod.def.options);
	}

	return undefined;
}

function hasChecks(checks: readonly Check[] | undefined): checks is readonly Check[] {
	return checks !== undefined && checks.length > 0;
}

function stringCheck(schema: z.core.$ZodString): FastCheck | undefined {
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

	return value => (typeof value === 'string' && tests.every(test => test(value)) ? value : refused);
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
function lengthTest(check: Check): ((value: string | readonly unknown[]) => boolean) | undefined {
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

function numberCheck(schema: z.core.$ZodNumber): FastCheck | undefined {
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

	return value => (typeof value === 'number' && Number.isFinite(value) && tests.every(test => test(value)) ? value : refused);
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

type Field = {key: string; check: FastCheck; optional: boolean};

function objectCheck(schema: z.core.$ZodObject): FastCheck | undefined {
	const {shape, catchall} = schema._zod.def;
	const strict = catchall instanceof z.core.$ZodNever;
	if ((catchall && !strict) || Object.getOwnPropertySymbols(shape).length > 0) {
		return undefined;
	}

	const fields: Field[] = [];
	const known = new Set<string>();
	for (const [key, field] of Object.entries(shape)) {
		const check = compileFastCheck(field);
		const optional = field instanceof z.core.$ZodOptional;
		// A key that may be absent without being optional (a default, say) is zod's to handle.
		if (!check || key === '__proto__' || (!optional && field._zod.optin !== undefined)) {
			return undefined;
		}

		fields.push({key, check, optional});
		known.add(key);
	}

	return value => {
		if (typeof value !== 'object' || value === null || Array.isArray(value)) {
			return refused;
		}

		if (strict) {
			for (const key in value) {
				if (!known.has(key)) {
					return refused;
				}
			}
		}

		const output: Record<string, unknown> = {};
		for (const {key, check, optional} of fields) {
			const present = key in value;
			if (!present && optional) {
				continue;
			}

			if (!present) {
				return refused;
			}

			const result = check(Reflect.get(value, key));
			if (result === refused) {
				return refused;
			}

			output[key] = result;
		}

		return output;
	};
}

function arrayCheck(schema: z.core.$ZodArray): FastCheck | undefined {
	const element = compileFastCheck(schema._zod.def.element);
	const tests: Array<(value: readonly unknown[]) => boolean> = [];
	for (const check of schema._zod.def.checks ?? []) {
		const test = lengthTest(check);
		if (!test) {
			return undefined;
		}

		tests.push(test);
	}

	if (!element) {
		return undefined;
	}

	return value => {
		if (!Array.isArray(value) || !tests.every(test => test(value))) {
			return refused;
		}

		const output: unknown[] = [];
		for (const item of value) {
			const result = element(item);
			if (result === refused) {
				return refused;
			}

			output.push(result);
		}

		return output;
	};
}

function unionCheck(options: readonly Schema[]): FastCheck | undefined {
	const checks: FastCheck[] = [];
	for (const option of options) {
		const check = compileFastCheck(option);
		if (!check) {
			return undefined;
		}

		checks.push(check);
	}

	// As zod: the first option that accepts the value gives the output.
	return value => {
		for (const check of checks) {
			const result = check(value);
			if (result !== refused) {
				return result;
			}
		}

		return refused;
	};
}

function discriminatedUnionCheck(schema: z.core.$ZodDiscriminatedUnion): FastCheck | undefined {
	const {discriminator, options, unionFallback} = schema._zod.def;
	if (unionFallback) {
		return undefined;
	}

	const byValue = new Map<unknown, FastCheck>();
	for (const option of options) {
		const check = compileFastCheck(option);
		const values = option._zod.propValues?.[discriminator];
		if (!check || !values) {
			return undefined;
		}

		for (const value of values) {
			if (value === undefined || byValue.has(value)) {
				return undefined;
			}

			byValue.set(value, check);
		}
	}

	return value => {
		if (typeof value !== 'object' || value === null || Array.isArray(value)) {
			return refused;
		}

		const check = byValue.get(Reflect.get(value, discriminator));
		return check ? check(value) : refused;
	};
}
