/** Display length of plain text (one cell per code point: the UI shows ASCII, `…` and arrows). */
export function textLength(text: string): number {
	return [...text].length;
}

/** Cut text to at most `width` cells, ending with `…` when something was cut. */
export function truncateText(text: string, width: number): string {
	if (width <= 0) {
		return '';
	}

	const chars = [...text];
	if (chars.length <= width) {
		return text;
	}

	return `${chars.slice(0, width - 1).join('')}…`;
}

/** Exactly `width` cells: truncated with `…`, or padded on the right (or left, for numbers). */
export function fitText(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	const cut = truncateText(text, width);
	const padding = ' '.repeat(Math.max(0, width - textLength(cut)));
	return align === 'right' ? padding + cut : cut + padding;
}
