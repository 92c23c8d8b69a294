/**
 * Where SalesBinder lives, from what an operator wrote: `SALESBINDER_URL` (one base) or
 * `SALESBINDER_ACCOUNT_URL` filled with each of `SALESBINDER_ACCOUNTS`. Checked once at start-up
 * (config.ts reports the problems) and used by every request (context.ts), so that what start-up
 * accepted is exactly what requests reach.
 */

/** Where an account's API lives: `https://acme.salesbinder.com` is origin + empty prefix. */
export interface SalesBinderEndpoint {
  origin: string;
  /** Path before `/api/2.0`, without a trailing slash; usually empty. */
  pathPrefix: string;
}

/** SalesBinder's host where the account follows from the key, not from the host name. */
export const SHARED_HOST = 'app.salesbinder.com';

/** `app.salesbinder.com` however it is spelled: any case, with or without the root's trailing dot. */
export function isSharedHost(hostname: string): boolean {
  return hostname.toLowerCase().replace(/\.+$/, '') === SHARED_HOST;
}

function isSalesBinderHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.+$/, '');
  return host === 'salesbinder.com' || host.endsWith('.salesbinder.com');
}

// SalesBinder's documentation prints the base with its API path (`https://acme.salesbinder.com/api/2.0/`).
const API_PATH = /\/api\/2\.0\/?$/i;

const RIGHT_FORM =
  'https://{subdomain}.salesbinder.com, or https://{subdomain}.salesbinder.com/api/2.0/ as SalesBinder prints it';

/**
 * The endpoint a base URL names, or why it names none. The documented form with `/api/2.0` and the
 * bare host are the same endpoint; on SalesBinder's own hosts no other path is its API. Elsewhere
 * (a proxy, the sandbox on loopback) a path is the operator's prefix, kept, before `/api/2.0`.
 */
export function endpointOfBase(url: URL): { endpoint: SalesBinderEndpoint } | { problem: string } {
  const prefix = url.pathname.replace(API_PATH, '').replace(/\/+$/, '');
  if (/\/api(\/|$)/i.test(prefix) || /\.(json|xml)$/i.test(prefix)) {
    return {
      problem: `the path ${url.pathname} is not the base of SalesBinder's API: write ${RIGHT_FORM}`,
    };
  }
  if (prefix !== '' && isSalesBinderHost(url.hostname)) {
    return {
      problem: `SalesBinder serves its API at /api/2.0 only, not under ${url.pathname}: write ${RIGHT_FORM}`,
    };
  }
  return { endpoint: { origin: url.origin, pathPrefix: prefix } };
}

/** The endpoint of a base URL that start-up accepted (throws on one it would have refused). */
export function endpointFromUrl(baseUrl: URL): SalesBinderEndpoint {
  const base = endpointOfBase(baseUrl);
  if ('problem' in base) throw new Error(`SALESBINDER_URL: ${base.problem}`);
  return base.endpoint;
}

/** The account an endpoint is, as the rate limiter and the budget name it (windows, blocks, memory). */
export function accountOf({ origin, pathPrefix }: SalesBinderEndpoint): string {
  return `${origin}${pathPrefix}`;
}

const PROBE = 'account-probe-0';
const TEMPLATE_FORM = 'https://{account}.salesbinder.com';

/**
 * Every account's endpoint from the template, or the problems that stop start-up. The account must
 * name the endpoint: in the host (`https://{account}.salesbinder.com`) or, off SalesBinder's own
 * hosts, as a whole path segment (`http://127.0.0.1:4010/{account}`, the sandbox's form), with
 * nothing else changed by filling it in. Where it would not (a query, a fragment, a path that `..`
 * undoes), two accounts would share one endpoint, and what one company's key read would be served
 * to another's.
 */
export function accountEndpoints(
  template: string,
  accounts: readonly string[],
): { endpoints: ReadonlyMap<string, SalesBinderEndpoint> } | { problems: string[] } {
  const fill = (account: string) => template.replaceAll('{account}', account);
  const occurrences = template.split('{account}').length - 1;
  if (occurrences !== 1) return { problems: [`must contain {account} once, as in ${TEMPLATE_FORM}`] };
  if (/[?#]/.test(template)) {
    return {
      problems: [
        `must not carry a query or a fragment: the account goes in the host name, as in ${TEMPLATE_FORM}`,
      ],
    };
  }
  if (!URL.canParse(fill(PROBE)))
    return { problems: [`must be a URL once {account} is filled in, as ${TEMPLATE_FORM}`] };
  const probe = new URL(fill(PROBE));
  if (!/^https?:$/.test(probe.protocol) || probe.username !== '' || probe.password !== '') {
    return { problems: [`must be an http(s) URL without credentials, as ${TEMPLATE_FORM}`] };
  }
  if (isSharedHost(probe.hostname)) {
    return {
      problems: [
        `${SHARED_HOST} serves every company at one address (the account follows from the key), so accounts there would share one endpoint: set SALESBINDER_URL=https://${SHARED_HOST} instead of SALESBINDER_ACCOUNTS`,
      ],
    };
  }
  const inHost = probe.hostname.includes(PROBE);
  const inPath = probe.pathname.split('/').includes(PROBE);
  if (!inHost && !(inPath && !isSalesBinderHost(probe.hostname))) {
    return {
      problems: [
        `{account} must be in the host name (as in ${TEMPLATE_FORM}), so that each account has an endpoint of its own`,
      ],
    };
  }
  const problems: string[] = [];
  const endpoints = new Map<string, SalesBinderEndpoint>();
  const owners = new Map<string, string>();
  for (const account of accounts) {
    const url = URL.canParse(fill(account)) ? new URL(fill(account)) : undefined;
    if (url === undefined || url.href !== probe.href.replaceAll(PROBE, account)) {
      problems.push(`does not make a URL of its own for account ${account}`);
      continue;
    }
    if (isSharedHost(url.hostname)) {
      problems.push(
        `account ${account} would be ${SHARED_HOST}, which serves every company at one address (the account follows from the key): set SALESBINDER_URL=https://${SHARED_HOST} instead of SALESBINDER_ACCOUNTS`,
      );
      continue;
    }
    const base = endpointOfBase(url);
    if ('problem' in base) {
      problems.push(base.problem.replace(/^the path/, `for account ${account}, the path`));
      continue;
    }
    const name = accountOf(base.endpoint);
    const owner = owners.get(name);
    if (owner !== undefined) {
      problems.push(`accounts ${owner} and ${account} would share one endpoint (${name})`);
      continue;
    }
    owners.set(name, account);
    endpoints.set(account, base.endpoint);
  }
  return problems.length > 0 ? { problems: [...new Set(problems)] } : { endpoints };
}
