/** The X API client (twitter-api-v2) for an origin, and X failures as user errors without secrets. */
import type { TwitterApi } from 'twitter-api-v2';
import type { TwitterCredentials } from '../../config/settings.js';
import { UserError } from '../../errors.js';

export const X_API_ORIGIN = 'https://api.x.com';
/** Points the client at another origin: for tests (a fake X server) and HTTP proxies only. */
export const X_API_URL_ENV = 'STREAMPROC_X_API_URL';

export const missingCredentials = () =>
  new UserError('The X stream needs an API bearer token, or an API key and secret, and this stack has neither', {
    hint: 'Run `streamproc init --twitter-bearer-token …` (or set TWITTER_BEARER_TOKEN for init), or use --file / --synthetic.',
    code: 'X_CREDENTIALS',
  });

/** A client for the API origin, app-only (OAuth 2.0 bearer), from settings. */
export async function createXClient(credentials: TwitterCredentials | undefined, apiUrl?: string): Promise<TwitterApi> {
  const origin = (apiUrl ?? process.env[X_API_URL_ENV] ?? X_API_ORIGIN).replace(/\/+$/, '');
  const { TwitterApi } = await import('twitter-api-v2');
  const { Agent } = await import('node:http');
  const rewrite = ({ params }: { params: { url: string } }) => {
    if (origin !== X_API_ORIGIN && params.url.startsWith(X_API_ORIGIN))
      params.url = origin + params.url.slice(X_API_ORIGIN.length);
  };
  const settings = {
    plugins: [
      {
        onBeforeRequestConfig: (args: { params: { url: string } }) => void rewrite(args),
        onBeforeStreamRequestConfig: rewrite,
      },
    ],
    // twitter-api-v2 always calls https.request; a plain-HTTP agent is what lets it speak http:// (a loopback fake).
    ...(origin.startsWith('http:') ? { httpAgent: new Agent({ keepAlive: false }) } : {}),
  };
  if (credentials?.bearerToken) return new TwitterApi(credentials.bearerToken, settings);
  if (credentials?.apiKey && credentials.apiSecret) {
    const keyed = new TwitterApi({ appKey: credentials.apiKey, appSecret: credentials.apiSecret }, settings);
    try {
      return (await keyed.appLogin()) as TwitterApi;
    } catch (error) {
      throw xError(error, 'Could not get a bearer token from the X API key and secret', credentials);
    }
  }
  throw missingCredentials();
}

/** An X failure as a UserError, without any token in it. */
export function xError(error: unknown, what: string, credentials?: TwitterCredentials): UserError {
  const e = error as { code?: number; data?: { title?: string; detail?: string; reason?: string }; message?: string };
  const why = e.data?.detail ?? e.data?.title ?? e.message ?? String(error);
  let message = `${what}: ${typeof e.code === 'number' ? `HTTP ${e.code}, ` : ''}${why}`;
  for (const secret of Object.values(credentials ?? {}))
    if (secret && secret.length >= 4) message = message.split(secret).join('[redacted]');
  const auth = e.code === 401 || e.code === 403;
  return new UserError(message, {
    hint: auth
      ? "Check the stack's X credentials (`streamproc init`) and that the app's plan includes the v2 streams."
      : 'Check the network, or try again later; --debug shows details.',
    code: auth ? 'X_AUTH' : 'X_API',
    cause: error,
  });
}
