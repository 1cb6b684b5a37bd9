import {z} from 'zod';
import {parseKeywordLine} from './control-string.js';

const bootstrapFieldsSchema = z.object({
	PROGRESS: z.coerce.number().int().min(0).max(100),
	TAG: z.string().min(1),
	SUMMARY: z.string(),
	WARNING: z.string().optional(),
	REASON: z.string().optional(),
});

/** Where Tor is in bootstrapping, from `GETINFO status/bootstrap-phase` or a `STATUS_CLIENT ... BOOTSTRAP` event. */
export interface BootstrapPhase {
	/** `NOTICE` while going well, `WARN` or `ERR` when a step is failing. */
	severity: string;
	/** 0-100; 100 means Tor can build circuits. */
	progress: number;
	/** Machine-readable step, e.g. `starting`, `conn`, `done`. */
	tag: string;
	/** Human-readable step, e.g. `Connecting to a relay`. */
	summary: string;
	/** On problems: Tor's description and reason keyword. */
	warning?: string;
	reason?: string;
}

/**
 * Parse `SEVERITY BOOTSTRAP PROGRESS=n TAG=t SUMMARY="s" ...` (control-spec 4.1.10). Returns undefined
 * when the text is not a well-formed bootstrap status.
 */
export function parseBootstrapPhase(text: string): BootstrapPhase | undefined {
	const {positional, keywords} = parseKeywordLine(text);
	const [severity, action] = positional;
	if (severity === undefined || action !== 'BOOTSTRAP') {
		return undefined;
	}

	const fields = bootstrapFieldsSchema.safeParse(keywords);
	if (!fields.success) {
		return undefined;
	}

	const {PROGRESS: progress, TAG: tag, SUMMARY: summary, WARNING: warning, REASON: reason} = fields.data;
	return {
		severity,
		progress,
		tag,
		summary,
		...(warning === undefined ? {} : {warning}),
		...(reason === undefined ? {} : {reason}),
	};
}
