import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/storage/database.js';
import { tempDataDir } from '../helper.js';

describe('the SQLite file', () => {
  it('is created in DATA_DIR on first start, readable by the service account only, and migrated', async () => {
    const data = tempDataDir();
    try {
      const database = await openDatabase({ dataDir: join(data.dir, 'nested') });
      const file = join(data.dir, 'nested', 'helpdesk.sqlite');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      await database.db.insertInto('transcript').values({ conversation_id: 'c', role: 'user', author: 'a', text: 'x', at: 'now' }).execute();
      await database.close();
      const reopened = await openDatabase({ dataDir: join(data.dir, 'nested') });
      const rows = await reopened.db.selectFrom('transcript').select('text').execute();
      assert.deepEqual(rows, [{ text: 'x' }]);
      await reopened.close();
    } finally {
      data.cleanup();
    }
  });
});
