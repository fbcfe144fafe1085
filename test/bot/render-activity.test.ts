import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepLineBreaks, renderActivity } from '../../src/bot/render-activity.js';

describe('rendering for Markdown channels', () => {
  it('keeps each line of a message on its own line (a Markdown hard break), paragraphs and lists untouched', () => {
    const text = 'こんにちは。\n画面のエラーを教えてください。\n\n- 一つ目\n- 二つ目';
    assert.equal(keepLineBreaks(text), 'こんにちは。  \n画面のエラーを教えてください。\n\n- 一つ目  \n- 二つ目');
  });

  it('questions carry one messageBack button per choice, with the step the click answers', () => {
    const activity = renderActivity(
      { type: 'ask', text: '確認 1/4', stepId: 'restart', choices: [{ action: 'FIXED', label: '解決した' }] },
      'ja-JP',
      'webchat',
    );
    assert.deepEqual(activity?.suggestedActions?.actions, [
      { type: 'messageBack', title: '解決した', text: '解決した', displayText: '解決した', value: { kind: 'hd.choice', action: 'FIXED', step: 'restart' } },
    ]);
  });
});
