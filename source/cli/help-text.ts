/** The text of `nightcrawler --help` (meow puts the package description above it). */
export const helpText = `
	Usage
	  $ nightcrawler provider [options]              run a pool of Tor proxies and lease them out
	  $ nightcrawler client [--count N] [options]    lease N proxies and keep them leased
	  $ nightcrawler run [--count N] -- <command>    run a command through leased proxies
	  $ nightcrawler testnet [--exits N]             run a private Tor network on loopback
	  $ nightcrawler gateway [options]               one proxy endpoint for every tool, sticky sessions

	  On a terminal, provider, client and gateway show a full-screen view (q or Ctrl-C quits).
	  Otherwise client prints one proxy URL a line as each lease becomes ready (and a new
	  line when one is replaced), and provider prints one JSON object a line per event.

	Options of provider, client and run
	  --redis URL          redis://[:password@]host:port[/db], or rediss:// for TLS
	                       (default: $REDIS_URL, else redis://127.0.0.1:6379)
	  --namespace NAME     providers and clients meet only within a namespace (default: nightcrawler)
	  --help, --version

	Provider
	  --tors N             Tor instances to run (default: 3)
	  --host ADDRESS       address the front (SOCKS5 + HTTP proxy ports, per-lease credentials)
	                       listens on (default: 127.0.0.1); Tor itself listens on 127.0.0.1 only
	  --socks-port PORT    the front's SOCKS5 port (default: a free one)
	  --http-port PORT     the front's HTTP proxy port (default: a free one)
	  --advertise-host H   address clients are told to connect to (default: --host)
	  --base-port PORT     first port of the Tor instances, 3 each (default: free ports)
	  --fresh              start every Tor with an empty data directory
	  --torrc FILE         extra torrc lines for every instance
	  --tor PATH           the tor binary (default: tor on the PATH)
	  --lease-ttl TIME     lease lifetime: 90s, 30m, 1h or milliseconds, at least 1s (default: 30m)
	  --ip-check-url URL   a page that answers with the caller's IP, to verify exits
	  --testnet            start a private Tor network on loopback and use it (no internet needed)
	  --join-testnet URL   use a private Tor network running elsewhere (the joinUrl that
	                       nightcrawler testnet prints)
	  --exits N            exit relays of that network (default: 4)
	  --format text|json   json: one JSON object a line per event, even on a terminal;
	                       text without a terminal: one plain line per event

	  With no --redis and no REDIS_URL, when nothing answers on 127.0.0.1:6379, the provider
	  starts a private redis-server there and stops it when it exits.

	Client and run
	  --count N            proxies to lease (default: 1)
	  --http               print the http:// proxy URLs instead of socks5h:// (client); they take
	                       CONNECT (https://) and plain http:// requests alike
	  --format text|json   json: one JSON object a line per proxy, with url, httpUrl, exitIp,
	                       provider and leaseId, even on a terminal (client)
	  --timeout TIME       exit 1 unless all proxies are leased within TIME; 0 waits forever
	                       (default: forever for client, 60s for run)

	  run sets HTTP_PROXY, HTTPS_PROXY and ALL_PROXY (and http_proxy, https_proxy, all_proxy) to
	  the first lease's http:// URL with its credentials (CONNECT and plain http:// requests alike,
	  so curl, wget, Python, Go and browsers take it), NIGHTCRAWLER_PROXIES to every lease's
	  socks5h:// URL and NIGHTCRAWLER_HTTP_PROXIES to every http:// URL, comma-separated, in the
	  same order. NO_PROXY (and no_proxy) defaults to localhost,127.0.0.0/8,[::1], so local
	  services stay direct; a NO_PROXY you set is kept. NODE_OPTIONS gains a --require preload that
	  makes Node's built-in fetch use the proxy (or refuse every request, never go direct), and
	  NODE_USE_ENV_PROXY=1 asks Node versions that know it to proxy http and https too.
	  run gives the leases back when the command ends and exits with the command's exit code. Its
	  leases are not renewed: when one ends while the command runs (lease TTL, lost heartbeats,
	  proxy down), it prints "the lease of <url> ended (<reason>) while <command> ran", stops the
	  command (SIGTERM, then SIGKILL after 5 s) and exits 1.

	Testnet
	  --exits N, --tor PATH, --format json: prints the network's client torrc file and check URL,
	  keeps it up until Ctrl-C (provider --testnet starts one of its own)
	  --host ADDRESS       IPv4 address the relays listen on (default: 127.0.0.1); other hosts
	                       join with provider --join-testnet and the joinUrl it prints

	Gateway (also --redis, --namespace, --format)
	  --host ADDRESS       address the proxy ports listen on (default: 127.0.0.1)
	  --port PORT          HTTP proxy port (default: 8118; 0: a free one)
	  --socks-port PORT    SOCKS5 port (default: 1080)
	  --api-port PORT      control API on 127.0.0.1 (default: 8119)
	  --session-ports A-B  each port its own sticky session (for tools without proxy credentials)
	  --session-idle TIME  give a session's lease back after this long unused (default: 10m)
	  --default-session P  fresh (a lease per connection), shared, per-client, or none (ask for
	                       session-<key> credentials: 407) (default: fresh)
	  --warm N             leases kept ready for new sessions (default: 0)
	  --lease-timeout TIME a new session waits this long for a lease, then 503 (default: 30s)
	  --token SECRET       proxy password and API bearer token; required beyond loopback
	  Username session-<key>[-ttl-<time>] picks a sticky session.

	Exit codes
	  0 done, 1 failed, 2 bad usage, 128+N stopped by signal N
	  run: the command's own code, or 1 when a lease ended while it ran
	  Errors are one line on stderr; NIGHTCRAWLER_DEBUG=1 adds the stack trace.

	Examples
	  $ nightcrawler provider --tors 5
	  $ nightcrawler provider --testnet
	  $ nightcrawler client --count 3 | head -3
	  $ nightcrawler client --count 3 | while read url; do curl -x "$url" https://api.ipify.org; done
	  $ nightcrawler client --format json | jq -r .exitIp
	  $ nightcrawler run --count 2 -- curl -s https://api.ipify.org
	  $ nightcrawler gateway & curl -x http://session-a:x@127.0.0.1:8118 https://api.ipify.org
	  $ REDIS_URL=rediss://:secret@redis.example.com:6380 nightcrawler client
`;
