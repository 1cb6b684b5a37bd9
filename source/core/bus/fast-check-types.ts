/** What a fast check returns for a value its schema refuses. */
export const refused: unique symbol = Symbol('refused');

/**
 * A zod schema compiled to a plain function: the schema's output for a value it accepts (unknown
 * keys stripped, as zod does), `refused` for one it refuses. Exact both ways: it accepts what the
 * schema accepts and nothing else, so a refusal needs zod only for its error message.
 */
export type FastCheck = (value: unknown) => unknown;
