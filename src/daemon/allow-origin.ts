// Which allowed-origin values can ever match: the Origin header is compared as an exact string.
export const ORIGIN_FORM =
  'scheme://host[:port] as a browser sends it (lowercase, no path, no trailing slash), e.g. http://localhost:5173';

/**
 * Why `value` can never equal an Origin header, or undefined when it can. Every source of allowed
 * origins (flag, environment, config file) checks with this, so a typo is an error at start-up
 * rather than a 403 nobody can explain.
 */
export function allowOriginProblem(value: string): string | undefined {
  const why = reason(value);
  return why === undefined
    ? undefined
    : `${JSON.stringify(value)} can never match an Origin: ${why}; expected ${ORIGIN_FORM}`;
}

/** The values of a comma-separated list (RUNYARD_ALLOW_ORIGIN), blanks dropped. */
export const splitOrigins = (list: string): string[] =>
  list
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);

function reason(value: string): string | undefined {
  if (value.includes('*')) return 'wildcards are not supported, list each origin';
  if (value === 'null')
    return 'the "null" Origin is sent by sandboxed and file:// pages, which anyone can make';
  const match = /^([^:/?#]*):\/\/([^/?#]*)(.*)$/s.exec(value);
  if (!match) return 'it has no scheme://';
  const [, scheme = '', authority = '', rest = ''] = match;
  if (!/^[a-z][a-z0-9+.-]*$/i.test(scheme)) return `"${scheme}" is not a scheme`;
  if (scheme !== scheme.toLowerCase()) return 'browsers send the scheme in lowercase';
  if (rest === '/') return 'it ends with a slash';
  if (rest !== '') return 'an Origin has no path, query or fragment';
  if (authority === '') return 'it has no host';
  if (authority.includes('@')) return 'an Origin has no user name or password';
  if (scheme === 'http' || scheme === 'https') {
    let origin: string;
    try {
      origin = new URL(value).origin;
    } catch {
      return 'it is not a valid URL';
    }
    if (origin !== value) return `a browser sends it as ${origin}`;
    return undefined;
  }
  // Other schemes (vscode-webview://, chrome-extension://) have no URL origin to compare with.
  if (!/^[a-z0-9.-]+(?::\d{1,5})?$/.test(authority))
    return 'the host must be lowercase letters, digits, dots and dashes';
  return undefined;
}
