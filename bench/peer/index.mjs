// The reference peer of `npm run bench`: an echo bot on restify, with ConversationState on MemoryStorage, wired
// the way Microsoft's Bot Framework samples wire it (CloudAdapter + ConfigurationBotFrameworkAuthentication from
// the environment, restify's body parser, one POST /api/messages route, an onTurnError that apologises).
// Written for this benchmark; plain JavaScript run with `node`, as the JavaScript samples are.
import restify from 'restify';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConversationState,
  MemoryStorage,
} from 'botbuilder';
import { EchoBot } from './echo-bot.mjs';

const botFrameworkAuthentication = new ConfigurationBotFrameworkAuthentication(process.env);
const adapter = new CloudAdapter(botFrameworkAuthentication);

adapter.onTurnError = async (context, error) => {
  console.error(`[onTurnError] unhandled error: ${error}`);
  await context.sendTraceActivity('OnTurnError Trace', `${error}`, 'https://www.botframework.com/schemas/error', 'TurnError');
  await context.sendActivity('The bot encountered an error or bug.');
};

const conversationState = new ConversationState(new MemoryStorage());
const bot = new EchoBot(conversationState);

const server = restify.createServer();
server.use(restify.plugins.bodyParser());

server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});

server.listen(Number(process.env.PORT ?? 3978), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`${server.name} listening to ${server.url}`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
