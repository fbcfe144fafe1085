import type { WebChatConfig } from '../../config.js';
import type { WebChatLocale } from './negotiate-locale.js';

/** The words of the page and the embed button, in both languages with the same meaning. */
export const WEBCHAT_TEXT = {
  'ja-JP': {
    title: 'ITヘルプデスク',
    connecting: 'チャットに接続しています…',
    failed: 'チャットに接続できませんでした。しばらくしてからページを再読み込みしてください。',
    open: 'ITヘルプデスクにチャットで相談する',
    close: 'チャットを閉じる',
    agentName: '{name}（IT 担当）',
    sendFailed: 'メッセージを送信できませんでした。少し時間をおいて、もう一度送ってください。',
  },
  'en-US': {
    title: 'IT Helpdesk',
    connecting: 'Connecting to the chat…',
    failed: 'We could not connect to the chat. Please reload the page in a little while.',
    open: 'Chat with the IT helpdesk',
    close: 'Close the chat',
    agentName: '{name} (IT)',
    sendFailed: 'Your message could not be sent. Please try again in a moment.',
  },
} as const;

/** What page.js reads from the page (no secrets: the token is fetched by the page itself). */
export interface PageSettings {
  locale: WebChatLocale;
  accent: string;
  botAvatarUrl: string;
  text: (typeof WEBCHAT_TEXT)[WebChatLocale];
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export function renderWebChatPage(options: { config: WebChatConfig; locale: WebChatLocale; bundlePath: string; embedded: boolean }): string {
  const { config, locale } = options;
  const text = WEBCHAT_TEXT[locale];
  const title = config.title || text.title;
  const settings: PageSettings = { locale, accent: config.accent, botAvatarUrl: config.botAvatarUrl, text };
  return `<!doctype html>
<html lang="${locale === 'ja-JP' ? 'ja' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  html, body { height: 100%; margin: 0; }
  body { display: flex; flex-direction: column; font-family: "Segoe UI", "Yu Gothic UI", Meiryo, system-ui, sans-serif; }
  header { background: ${config.accent}; color: #fff; padding: 0 16px; height: 48px; display: flex; align-items: center; font-size: 16px; font-weight: 600; flex: none; }
  #webchat { flex: 1; min-height: 0; }
  #status { padding: 16px; color: #444; }
  body.embedded header { height: 44px; }
  .hd-agent-avatar { width: 40px; height: 40px; border-radius: 50%; background: #5c2d91; color: #fff; display: flex; align-items: center; justify-content: center; font-size: 15px; font-weight: 600; }
  .hd-agent-status { font-size: 12px; }
  .hd-agent-name { font-weight: 600; color: #323130; }
</style>
</head>
<body class="${options.embedded ? 'embedded' : ''}">
<header>${escapeHtml(title)}</header>
<div id="status" role="status">${escapeHtml(text.connecting)}</div>
<div id="webchat" role="main"></div>
<script type="application/json" id="hd-settings">${scriptJson(settings)}</script>
<script src="${escapeHtml(options.bundlePath)}"></script>
<script src="/webchat/page.js"></script>
</body>
</html>
`;
}
