import type { ContentCheckDeps } from '../content/check-content.js';
import type { ErrorCatalog } from './error-catalog.js';
import { createRunbookIndex } from './runbook-index.js';
import { isSignalId } from './signals.js';

/** What the content check needs of understanding: this catalog, the known signals, and the symptom search. */
export function contentCheckDeps(catalog: ErrorCatalog): ContentCheckDeps {
  return {
    catalog,
    isSignalId,
    symptomOffers: (runbooks) => {
      const index = createRunbookIndex(runbooks, catalog);
      return (phrase) => index.searchSymptoms(phrase).hits.map((h) => h.runbookId);
    },
  };
}
