// OpenID Connect provider for development and CI: panva/oidc-provider with real password checks.
//
// Environment:
//   IDP_ISSUER        issuer URL, e.g. http://127.0.0.1:8001 (the port is taken from it)
//   IDP_CLIENTS       JSON array of {client_id, client_secret, redirect_uris, post_logout_redirect_uris}
//   IDP_JWKS_FILE     file with {"keys": [private JWKs]} used to sign (created with one RSA key if missing)
//   IDP_ACCOUNTS_FILE accounts (default: accounts.json beside this file); their roles and unit are sent as written
//                     there, so another provider's claim shapes ("a; b", ["08611"]…) can be tried
//   IDP_COOKIE_SECRET secret for the provider's cookies
//   IDP_API_AUDIENCE  audience of the JWT access tokens (default: urn:mattran:api)
//   IDP_ACCESS_TOKEN_FORMAT  jwt (default, RFC 9068) or opaque (checked by introspection, RFC 7662)
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { scryptSync, timingSafeEqual, generateKeyPairSync, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import Provider, { errors } from 'oidc-provider';

const here = dirname(fileURLToPath(import.meta.url));
const issuer = process.env.IDP_ISSUER ?? 'http://127.0.0.1:8001';
const port = Number(new URL(issuer).port || 80);
const audience = process.env.IDP_API_AUDIENCE ?? 'urn:mattran:api';
const accessTokenFormat = process.env.IDP_ACCESS_TOKEN_FORMAT ?? 'jwt';
const accounts = JSON.parse(readFileSync(process.env.IDP_ACCOUNTS_FILE ?? join(here, 'accounts.json'), 'utf8')).accounts;
const clients = JSON.parse(process.env.IDP_CLIENTS ?? '[]');

function signingKeys() {
  const file = process.env.IDP_JWKS_FILE;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
  if (file) writeFileSync(file, JSON.stringify(jwks), { mode: 0o600 });
  return jwks;
}

function passwordMatches(stored, given) {
  const [scheme, salt, hash] = String(stored).split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = scryptSync(given, salt, expected.length);
  return timingSafeEqual(expected, actual);
}

const byUsername = new Map(accounts.map((a) => [a.username, a]));

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function page(title, body) {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font:18px/1.5 system-ui,sans-serif;margin:0;background:#fafafa;color:#1b1b1b}
header{background:#b71c1c;color:#fff;padding:.8rem 1rem;font-weight:700}
main{max-width:26rem;margin:1.5rem auto;padding:0 1rem}label{display:block;font-weight:600;margin-top:.8rem}
input{width:100%;box-sizing:border-box;font-size:1.1rem;padding:.6rem;border:2px solid #888;border-radius:.4rem}
button{margin-top:1rem;width:100%;font-size:1.1rem;padding:.7rem;background:#b71c1c;color:#fff;border:0;border-radius:.4rem}
.err{background:#fdecea;border-left:5px solid #b71c1c;padding:.6rem;margin-top:1rem}</style></head>
<body><header>Mặt trận số — Đăng nhập một lần</header><main>${body}</main></body></html>`;
}

function loginForm(uid, error = '', username = '') {
  return page('Đăng nhập', `<h1>Đăng nhập</h1>
<form method="post" action="/interaction/${uid}/login" autocomplete="on">
<label for="username">Tên đăng nhập</label><input id="username" name="username" required value="${escapeHtml(username)}" autofocus>
<label for="password">Mật khẩu</label><input id="password" name="password" type="password" required>
${error ? `<p class="err" role="alert">${escapeHtml(error)}</p>` : ''}
<button type="submit">Đăng nhập</button></form>`);
}

const configuration = {
  clients: clients.map((c) => ({
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    ...c,
  })),
  jwks: signingKeys(),
  cookies: { keys: [process.env.IDP_COOKIE_SECRET ?? randomUUID()] },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], mattran: ['roles', 'unit', 'email'] },
  scopes: ['openid', 'profile', 'mattran', 'offline_access', 'api'],
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    // Only the client a token was issued to may revoke or introspect it (first-party clients here).
    revocation: { enabled: true, allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId },
    introspection: { enabled: true, allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Đăng xuất', `<h1>Đăng xuất</h1><p>Đang đăng xuất khỏi mọi ứng dụng…</p>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Đăng xuất</button>
<script>document.forms['op.logoutForm'].requestSubmit(document.querySelector('button[name=logout]'))</script>`);
      },
      postLogoutSuccessSource: async (ctx) => { ctx.body = page('Đã đăng xuất', '<h1>Đã đăng xuất</h1>'); },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator) => {
        if (indicator !== audience) throw new errors.InvalidTarget();
        return { scope: 'api', audience, accessTokenTTL: 3600, accessTokenFormat, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  extraTokenClaims: async (ctx, token) => {
    const account = byUsername.get(token.accountId);
    return account ? { roles: account.roles, unit: account.unit, name: account.name } : undefined;
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  findAccount: async (ctx, sub) => {
    const account = byUsername.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      claims: async () => ({
        sub, name: account.name, preferred_username: sub, roles: account.roles, unit: account.unit, email: account.email,
      }),
    };
  },
  ttl: { AccessToken: 3600, IdToken: 3600, RefreshToken: 86400, Session: 8 * 3600, Grant: 8 * 3600, Interaction: 600 },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Lỗi', `<h1>Không thể đăng nhập</h1><p class="err">${escapeHtml(out.error_description ?? out.error)}</p>`);
  },
};

const provider = new Provider(issuer, configuration);
provider.proxy = true;

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  const send = (status, html) => { res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }); res.end(html); };
  if (req.method === 'POST' && req.url.endsWith('/login')) {
    const form = await readForm(req);
    const username = (form.get('username') ?? '').trim();
    const account = byUsername.get(username);
    if (!account || !passwordMatches(account.password, form.get('password') ?? '')) {
      return send(401, loginForm(uid, 'Tên đăng nhập hoặc mật khẩu không đúng.', username));
    }
    return provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'login') return send(200, loginForm(uid));
  // First-party clients only: consent is granted without asking.
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('Lỗi', `<h1>Phiên đăng nhập không hợp lệ</h1><p class="err">${escapeHtml(err.message)}</p><p><a href="/">Thử lại</a></p>`));
    });
    return;
  }
  callback(req, res);
}).listen(port, '127.0.0.1', () => console.log(`oidc provider ready at ${issuer}`));

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
