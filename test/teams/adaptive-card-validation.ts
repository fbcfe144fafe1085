import assert from 'node:assert/strict';
import * as AC from 'adaptivecards';
import { Ajv } from 'ajv';

/**
 * Offline Adaptive Card validation for every card the bot sends to Teams.
 *
 * No npm package ships the Adaptive Card 1.5 JSON schema file (adaptivecards-designer only carries a 1.0-era
 * copy, with no ActionSet and no version rules), so the card itself is checked with Microsoft's reference
 * implementation, the `adaptivecards` 3.x library that also renders cards in Web Chat: parsed against schema
 * version 1.5 it reports unknown element and action types, invalid property values and features newer than 1.5.
 * A round trip through its serializer then catches what it would silently drop (misspelt or unknown properties).
 * The part of the card that is our own contract, the Action.Submit payload, is checked with a JSON schema (ajv).
 */
const submitData = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'action', 'step', 'msteams'],
  properties: {
    kind: { const: 'hd.choice' },
    action: { type: 'string', minLength: 1 },
    step: { type: 'string', minLength: 1 },
    msteams: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'displayText', 'text'],
      properties: { type: { const: 'messageBack' }, displayText: { type: 'string', minLength: 1 }, text: { type: 'string', minLength: 1 } },
    },
  },
} as const;
const validateSubmitData = new Ajv({ allErrors: true, strict: true }).compile(submitData);

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** Throws, naming the problem, unless `card` is a valid Adaptive Card 1.5 whose buttons carry our payload. */
export function assertValidAdaptiveCard(card: unknown): void {
  assert.ok(typeof card === 'object' && card !== null, 'the card is a JSON object');
  const json = card as Record<string, unknown>;
  assert.equal(json.type, 'AdaptiveCard');
  assert.equal(json.version, '1.5', 'Teams supports Adaptive Cards up to 1.5');

  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(json, context);
  const events: string[] = [];
  for (let i = 0; i < context.eventCount; i++) events.push(context.getEventAt(i).message);
  assert.deepEqual(events, [], 'the Adaptive Card parser reports no problem');
  const roundTrip = parsed.toJSON(new AC.SerializationContext(AC.Versions.v1_5));
  assert.deepEqual(sortKeys(roundTrip), sortKeys(json), 'every property of the card is one the schema knows');

  const actions = Array.isArray(json.actions) ? json.actions : [];
  for (const action of actions) {
    const data: unknown = (action as Record<string, unknown>).data;
    assert.ok(validateSubmitData(data), `button payload: ${JSON.stringify(validateSubmitData.errors)}`);
  }
}
