import {z} from 'zod';

import {refused, type FastCheck} from './fast-check-types.js';
import {hasChecks, lengthTest, numberCheck, stringCheck} from './fast-check-primitives.js';

export {refused, type FastCheck} from './fast-check-types.js';

type Schema = z.core.$ZodType;
type Check = z.core.$ZodCheck;

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
