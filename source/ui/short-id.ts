/** The first 8 characters of a UUID: enough to tell providers and clients apart on screen. */
export function shortId(id: string | undefined): string {
	return id === undefined ? '-' : id.slice(0, 8);
}
