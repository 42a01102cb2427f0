// A real OpenID Connect provider for the gateway's SSO tests: panva/oidc-provider (OpenID certified)
// with its development log-in and consent pages. Settings from the environment:
//   PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, ACCOUNTS = {"<sub>": {"email": ..., "name": ...}, ...}
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, email_verified: true, ...account }; } };
  },
  cookies: { keys: ['test-provider-cookie-key-0123456789'] },
  features: { devInteractions: { enabled: true } },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready at ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
