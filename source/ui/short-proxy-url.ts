/**
 * A leased proxy's URL fit for the screen: the credentials shown as `…` (`socks5h://…@host:port`), so a screen shot or a shared terminal gives nobody the lease.
 * Pipe mode and `--format json` print the full URL: that is what they are for.
 */
export function shortProxyUrl(text: string): string {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return text;
	}

	if (url.username === '' && url.password === '') {
		return text;
	}

	return `${url.protocol}//…@${url.host}`;
}
