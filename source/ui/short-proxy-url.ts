/**
 * A leased proxy's URL fit for the screen: the user name shortened and the password never shown
 * (`socks5h://ncAbCdE…:…@host:port`), so a screen shot or a shared terminal gives nobody the lease.
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

	const user = decodeURIComponent(url.username);
	const shortUser = user.length > 8 ? `${user.slice(0, 7)}…` : user;
	return `${url.protocol}//${shortUser}:…@${url.host}`;
}
