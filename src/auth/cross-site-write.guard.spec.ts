import { crossSiteWriteRefusal } from './cross-site-write.guard.js';

const ALLOWED = ['https://app.example.com'];

/** Whether a request with these headers, to the service on tasks.example.com, may go on. */
const passes = (method: string, headers: Record<string, string>, host = 'tasks.example.com'): boolean =>
  crossSiteWriteRefusal({ method, headers, host }, ALLOWED) === undefined;

/** The edges of the rule; the real browser's requests are in test/cross-site-writes.e2e-spec.ts. */
describe('crossSiteWriteRefusal', () => {
  it('lets every read through, from anywhere', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect(passes(method, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' })).toBe(true);
    }
  });

  it('lets clients that are not browsers write: no Origin, no Sec-Fetch-Site', () => {
    expect(passes('POST', {})).toBe(true);
    expect(passes('DELETE', { 'content-type': 'application/x-www-form-urlencoded' })).toBe(true);
  });

  it('believes the browser about its own page and about what the user typed', () => {
    expect(passes('POST', { 'sec-fetch-site': 'same-origin', origin: 'https://tasks.example.com' })).toBe(true);
    expect(passes('POST', { 'sec-fetch-site': 'none' })).toBe(true);
  });

  it('refuses pages on other sites, and on the same site at another origin, unless CORS_ORIGINS lists them', () => {
    expect(passes('POST', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' })).toBe(false);
    expect(passes('POST', { 'sec-fetch-site': 'same-site', origin: 'https://other.example.com' })).toBe(false);
    expect(passes('PATCH', { 'sec-fetch-site': 'cross-site' })).toBe(false);
    expect(passes('POST', { 'sec-fetch-site': 'same-site', origin: 'https://app.example.com' })).toBe(true);
  });

  it('judges an older browser by its Origin against the Host it asked for, whatever the scheme', () => {
    expect(passes('POST', { origin: 'https://tasks.example.com' })).toBe(true);
    // Behind a TLS-terminating proxy: the page is on https, the service sees plain http.
    expect(passes('POST', { origin: 'https://tasks.example.com:8443' }, 'tasks.example.com:8443')).toBe(true);
    expect(passes('POST', { origin: 'https://tasks.example.com:8443' })).toBe(false);
    expect(passes('POST', { origin: 'https://evil.example' })).toBe(false);
    expect(passes('POST', { origin: 'null' })).toBe(false);
    // No Host header at all (HTTP/1.0): nothing to be the same as.
    expect(
      crossSiteWriteRefusal({ method: 'POST', headers: { origin: 'https://tasks.example.com' } }, []),
    ).toBeDefined();
  });

  it('names who was refused and what would allow it', () => {
    expect(crossSiteWriteRefusal({ method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } }, [])).toBe(
      "a browser page on another site (Sec-Fetch-Site: cross-site) may not write here while the API needs no key: only the service's own pages and the origins in CORS_ORIGINS may",
    );
  });
});
