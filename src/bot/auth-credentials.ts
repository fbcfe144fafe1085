import { createRequire } from 'node:module';
import { AuthenticationConstants, GovernmentConstants, MsalServiceClientCredentialsFactory, type ServiceClientCredentialsFactory } from 'botframework-connector';
import type { BotFrameworkConfig } from '../config.js';

/** botframework-connector loads MSAL's CommonJS build; ours must be that very build (same classes, same types). */
type MsalCommonJs = typeof import('@azure/msal-node', { with: { 'resolution-mode': 'require' } });
const { ConfidentialClientApplication } = createRequire(import.meta.url)('@azure/msal-node') as MsalCommonJs;

/** Login hosts MSAL knows by itself (public and US government clouds). */
const MICROSOFT_LOGIN_PREFIXES = [AuthenticationConstants.ToChannelFromBotLoginUrlPrefix, GovernmentConstants.ToChannelFromBotLoginUrlPrefix];

/**
 * Credentials for the bot's replies when `ToChannelFromBotLoginUrl` points at a login authority MSAL does not know
 * (a private cloud, an on-premises token service, a local stand-in).
 *
 * botbuilder builds its MSAL client with only `{ authority, clientId, clientSecret }`. For an unknown host MSAL
 * then asks Microsoft's instance-discovery endpoint (login.microsoftonline.com/common/discovery/instance) whether
 * the authority is trusted, which fails without internet access and is the wrong question for a private cloud.
 * Declaring the configured host as a known authority makes MSAL trust it as configured and read its endpoints from
 * `{authority}/v2.0/.well-known/openid-configuration`. MSAL still demands https.
 *
 * Returns undefined for the Microsoft clouds and for every other app type (managed identity, certificates):
 * botbuilder's own factory handles those.
 */
export function createPrivateCloudCredentials(botFramework: BotFrameworkConfig): ServiceClientCredentialsFactory | undefined {
  const { MicrosoftAppId: appId, MicrosoftAppPassword: secret, ToChannelFromBotLoginUrl: loginUrl, MicrosoftAppType: appType } = botFramework;
  if (!appId || !secret || !loginUrl) return undefined;
  if (appType && appType.toLowerCase() === 'userassignedmsi') return undefined;
  const normalised = loginUrl.toLowerCase();
  if (MICROSOFT_LOGIN_PREFIXES.some((prefix) => normalised.startsWith(prefix))) return undefined;
  let host: string;
  try {
    host = new URL(loginUrl).host;
  } catch {
    return undefined;
  }
  const client = new ConfidentialClientApplication({
    auth: { clientId: appId, clientSecret: secret, authority: loginUrl, knownAuthorities: [host] },
  });
  return new MsalServiceClientCredentialsFactory(appId, client);
}
